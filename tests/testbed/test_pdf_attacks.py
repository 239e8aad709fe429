"""The attack builders produce what they claim, checked on the files themselves: signature
wrapping keeps the digest valid but breaks the coverage; each shadow update changes what the page
shows without touching a signed byte (seen by rendering the page with poppler); the certification
attacks add what they say; certification fixtures carry their DocMDP level. Poppler's ``pdfsig``
gives an independent view of the wrapped signature (skipped when it is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation.status import SignatureCoverageLevel

from testbed import pdf_attacks
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document, fill_form_field
from testbed.errors import InvalidInputError
from testbed.fixture_signing import sign_fixture
from testbed.pdf_attacks import ShadowVariant
from testbed.session import Testbed

SHADOW_ATTACKS: dict[ShadowVariant, Callable[[bytes], bytes]] = {
    ShadowVariant.HIDE: pdf_attacks.shadow_hide,
    ShadowVariant.REPLACE: pdf_attacks.shadow_replace,
    ShadowVariant.HIDE_AND_REPLACE: pdf_attacks.shadow_hide_and_replace,
}


@pytest.fixture(scope="module")
def document() -> bytes:
    return administrative_document(with_form_field=True)


@pytest.fixture(scope="module")
def signer(testbed: Testbed) -> str:
    """A software-key certificate (fixtures sign fast with it)."""
    if "attack-victim" not in testbed.state.subscribers:
        testbed.issue("attack-victim", name=VietnameseName(common_name="Nạn Nhân Thử"),
                      key_type=KeyType.P256)
    label = testbed.state.subscriber("attack-victim").current_certificate
    assert label is not None
    return label


@pytest.fixture(scope="module")
def signed(testbed: Testbed, signer: str, document: bytes) -> bytes:
    return sign_fixture(testbed, document, certificate_label=signer, level="B-T")


@pytest.fixture(scope="module")
def certified(testbed: Testbed, signer: str, document: bytes) -> bytes:
    return sign_fixture(testbed, document, certificate_label=signer, certify=2)


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf), strict=False)


def _render(pdf: bytes, box: pdf_attacks.Box, directory: Path) -> bytes:
    """The pixels (8-bit grey, 72 dpi) poppler draws in ``box`` of page 1."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftoppm) is not installed")
    path = directory / "page.pdf"
    path.write_bytes(pdf)
    x1, y1, x2, y2 = (round(value) for value in box)
    result = subprocess.run(
        ["pdftoppm", "-gray", "-r", "72", "-f", "1", "-l", "1", "-x", str(x1), "-y",
         str(842 - y2), "-W", str(x2 - x1), "-H", str(y2 - y1), str(path)],
        capture_output=True, check=True, timeout=60)
    header, _, rest = result.stdout.partition(b"\n255\n")
    assert header.startswith(b"P5"), header[:20]
    return rest


def _ink(pixels: bytes) -> int:
    return sum(1 for value in pixels if value < 128)


def _text(pdf: bytes, directory: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = directory / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


# ---- certification fixtures --------------------------------------------------------------------
def test_certification_fixture_carries_its_docmdp_level(testbed: Testbed, signer: str,
                                                        document: bytes, certified: bytes,
                                                        signed: bytes) -> None:
    assert _reader(certified).embedded_signatures[0].docmdp_level is MDPPerm.FILL_FORMS
    assert _reader(signed).embedded_signatures[0].docmdp_level is None
    with pytest.raises(InvalidInputError, match="certify: 4"):
        sign_fixture(testbed, document, certificate_label=signer, certify=4)
    with pytest.raises(InvalidInputError, match="only its first signature"):
        sign_fixture(testbed, signed, certificate_label=signer, certify=1)


# ---- signature wrapping ------------------------------------------------------------------------
def test_signature_wrapping_keeps_the_digest_but_not_the_coverage(signed: bytes,
                                                                  tmp_path: Path) -> None:
    wrapped = pdf_attacks.wrap_signature(signed)
    original = _reader(signed).embedded_signatures[0]
    embedded = _reader(wrapped).embedded_signatures[0]
    start1, length1, start2, length2 = (int(v) for v in embedded.byte_range)
    _, old_length1, old_start2, old_length2 = (int(v) for v in original.byte_range)
    # the same signed bytes, the second range moved to a copy further on
    assert (length1, length2) == (old_length1, old_length2) and start2 > old_start2
    assert wrapped[start1:length1] + wrapped[start2:start2 + length2] == \
        signed[:old_length1] + signed[old_start2:old_start2 + old_length2]
    expected = find_unique_cms_attribute(embedded.signer_info["signed_attrs"],
                                         "message_digest").native
    assert embedded.compute_digest() == expected, "the digest must still match"
    # ... but the ranges no longer fit the revision: the gap is more than /Contents
    assert start2 - length1 > 2 * len(embedded.pkcs7_content) + 2
    assert embedded.evaluate_signature_coverage() is SignatureCoverageLevel.UNCLEAR
    assert original.evaluate_signature_coverage() is SignatureCoverageLevel.ENTIRE_FILE
    # and a real viewer shows the forged line
    assert "900.000.000" in _text(wrapped, tmp_path)
    assert "900.000.000" not in _text(signed, tmp_path)


def test_signature_wrapping_needs_a_signature(document: bytes) -> None:
    with pytest.raises(InvalidInputError, match="not signed"):
        pdf_attacks.wrap_signature(document)


def test_pdfsig_sees_a_valid_digest_over_part_of_the_wrapped_file(signed: bytes,
                                                                  tmp_path: Path) -> None:
    """A third-party view, not an oracle: poppler checks the digest of the ranges (valid) and
    says they do not span the file; it does not say the ranges skip more than /Contents."""
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler-utils (pdfsig) is not installed")
    wrapped = pdf_attacks.wrap_signature(signed)
    _, length1, start2, length2 = (int(v) for v in
                                   _reader(wrapped).embedded_signatures[0].byte_range)
    reports = {}
    for name, pdf in (("signed", signed), ("wrapped", wrapped)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        reports[name] = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True,
                                       text=True, timeout=60, check=False).stdout
    assert "Total document signed" in reports["signed"]
    assert "Signature is Valid" in reports["wrapped"], reports["wrapped"]
    assert "Not total document signed" in reports["wrapped"]
    assert f"[0 - {length1}], [{start2} - {start2 + length2}]" in reports["wrapped"]


# ---- shadow attacks ----------------------------------------------------------------------------
@pytest.mark.parametrize("variant", list(ShadowVariant), ids=str)
def test_shadow_update_changes_what_the_signed_page_shows(
        testbed: Testbed, signer: str, document: bytes, variant: ShadowVariant,
        tmp_path: Path) -> None:
    prepared = pdf_attacks.prepare_shadow(document, variant)
    signed = sign_fixture(testbed, prepared, certificate_label=signer)
    attacked = SHADOW_ATTACKS[variant](signed)
    assert attacked.startswith(signed), "an incremental update: no signed byte changes"
    before = _render(signed, pdf_attacks.SHADOW_BOX, tmp_path)
    after = _render(attacked, pdf_attacks.SHADOW_BOX, tmp_path)
    if variant is ShadowVariant.REPLACE:
        assert _ink(before) > 0, "the replace variant shows its line when signed"
    else:
        assert _ink(before) == 0, "the shadow line must be invisible when signed"
    assert _ink(after) > 0 and after != before
    assert "900.000.000" in _text(attacked, tmp_path)


def test_hide_and_replace_update_brings_no_new_content(testbed: Testbed, signer: str,
                                                       document: bytes) -> None:
    prepared = pdf_attacks.prepare_shadow(document, ShadowVariant.HIDE_AND_REPLACE)
    signed = sign_fixture(testbed, prepared, certificate_label=signer)
    reader = _reader(pdf_attacks.shadow_hide_and_replace(signed))
    xrefs = reader.xrefs
    last = xrefs.total_revisions - 1
    introduced = [reader.get_object(ref) for ref in xrefs.explicit_refs_in_revision(last)
                  if xrefs.get_introducing_revision(ref) == last]
    assert [obj.get("/Type") for obj in introduced] == ["/XRef"], \
        "only references change: the forged content was already signed"


@pytest.mark.parametrize("variant", list(ShadowVariant), ids=str)
def test_shadow_update_needs_a_prepared_document(signed: bytes, variant: ShadowVariant) -> None:
    with pytest.raises(InvalidInputError, match="shadow document"):
        SHADOW_ATTACKS[variant](signed)


def test_unknown_shadow_variant_is_one_line(document: bytes) -> None:
    with pytest.raises(InvalidInputError, match="variant: 'overlay' is not one of"):
        pdf_attacks.prepare_shadow(document, "overlay")


# ---- certification attacks ---------------------------------------------------------------------
def test_evil_annotation_covers_the_date(certified: bytes, tmp_path: Path) -> None:
    attacked = pdf_attacks.evil_annotation(certified)
    assert attacked.startswith(certified)
    page = _reader(attacked).root["/Pages"]["/Kids"][0]
    annotations = [a.get_object() for a in page["/Annots"]]
    evil = [a for a in annotations if a["/Subtype"] == "/FreeText"]
    assert len(evil) == 1 and "/N" in evil[0]["/AP"]
    assert [float(v) for v in evil[0]["/Rect"]] == list(pdf_attacks.DATE_BOX)
    assert _render(attacked, pdf_attacks.DATE_BOX, tmp_path) != \
        _render(certified, pdf_attacks.DATE_BOX, tmp_path)


def test_sneaky_signature_is_a_second_visible_signature_over_the_date(
        certified: bytes, tmp_path: Path) -> None:
    attacked = pdf_attacks.sneaky_signature(certified)
    assert attacked.startswith(certified)
    signatures = _reader(attacked).embedded_signatures
    assert len(signatures) == 2
    sneaky = signatures[1]
    assert sneaky.signer_cert.subject.native["common_name"] == pdf_attacks.ATTACKER_NAME
    assert sneaky.signer_cert.self_signed == "maybe"
    rect = [float(v) for v in sneaky.sig_field["/Rect"]]
    assert rect == list(pdf_attacks.DATE_BOX)
    assert _render(attacked, pdf_attacks.DATE_BOX, tmp_path) != \
        _render(certified, pdf_attacks.DATE_BOX, tmp_path)


def test_form_fill_after_certification_is_a_plain_update(certified: bytes) -> None:
    """The permitted counterpart the catalogue uses: the certified bytes stay a prefix."""
    filled = fill_form_field(certified, "Đã điền")
    assert filled.startswith(certified)
    assert _reader(filled).embedded_signatures[0].docmdp_level is MDPPerm.FILL_FORMS


def test_sneaky_signature_after_p1_is_a_one_line_error(testbed: Testbed, signer: str,
                                                       document: bytes) -> None:
    locked = sign_fixture(testbed, document, certificate_label=signer, certify=1)
    with pytest.raises(InvalidInputError, match="cannot add a signature"):
        pdf_attacks.sneaky_signature(locked)
