"""Third-party verifiers of the other formats as SUTs, through the cli adapter and nothing
else: ``openssl cms -verify`` (``examples/openssl-cms.toml``) for CAdES / CMS, Debian's
``xmlsec1 --verify`` (``examples/xmlsec1.toml``) for XAdES / XML-DSig, each answering by its
exit code under libfaketime at the case's instant.

The suite must judge them as it judges anyone: they accept a valid signature (the indication
is right; the display, English without the TT15-6.4.b fields, is not), they reject tampered
content, and they MISS a revoked signer, since neither checks revocation: the judge reports
that checkpoint FAILED on its indication, which is the point. A PDF-only profile declines
these formats (SKIPPED or FAIL by the gate, never a silent pass), and these profiles decline
PDF.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conformance.reference.cms_levels import CmsLevel
from conformance.reference.cms_signing import sign_file
from conformance.reference.cms_verifying import verify_cms
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signer import testbed_trust_roots as trust_roots_of
from conformance.reference.xml_signing import sign_xml
from conformance.reference.xml_verifying import verify_xml
from conformance.sut.contract import SutUnsupported
from conformance.sut.process.cli import CliSut
from conformance.sut.profile import load_profile
from scenarios import SignatureFormat, VerifyRequest
from scenarios.checkpoints import VerifyExpectation
from scenarios.judge import judge_verification
from scenarios.outcomes import Indication, SignerOutcome, VerifierAnswer
from testbed import VietnameseName, word_document
from testbed.session import Testbed
from testbed.xml_documents import invoice_document

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
NAME = VietnameseName(common_name="Đỗ Minh Khang", title="Giám đốc",
                      organization="Công ty Cổ phần Sao Mai", locality="Đà Nẵng")
needs_tools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("openssl", "xmlsec1", "faketime")),
    reason="openssl, xmlsec1 and faketime are needed (make system-deps installs them)")
pytestmark = needs_tools


def _token(testbed: Testbed, subscriber: str) -> str:
    record, _ = testbed.tokens.create(
        subscriber, key_type="p256",
        name=NAME.model_copy(update={"common_name": f"{NAME.common_name} {subscriber}"}))
    return record.label


def _sign(testbed: Testbed, label: str, signature_format: SignatureFormat, source: Path,
          output: Path) -> None:
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    common = {"access": access, "pin": testbed.tokens.user_pin(label), "trust_roots": roots,
              "moment": now}
    if signature_format.detached:
        answer = sign_file(source, output, level=CmsLevel.B_B if signature_format is
                           SignatureFormat.CADES else CmsLevel.CMS, **common)  # type: ignore[arg-type]
    else:
        answer = sign_xml(source, output, form="xades-enveloped" if signature_format is
                          SignatureFormat.XADES else "xmldsig-enveloped", **common)  # type: ignore[arg-type]
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason


def _request(testbed: Testbed, signature_format: SignatureFormat, signed: Path,
             content: Path | None, workdir: Path) -> VerifyRequest:
    anchors = testbed.trust_anchor_paths()
    workdir.mkdir(parents=True, exist_ok=True)
    return VerifyRequest(input=signed, trust_roots=[anchors["root-cv"], anchors["root-neac"]],
                         moment=testbed.now(), workdir=workdir, format=signature_format,
                         content=content)


def _reference(testbed: Testbed, request: VerifyRequest) -> VerifierAnswer:
    roots = trust_roots_of(testbed)
    if request.format.detached:
        return verify_cms(request.input, request.content, roots, at=request.moment,
                          expect_cades=request.format is SignatureFormat.CADES)
    return verify_xml(request.input, roots, at=request.moment)


def _profile(signature_format: SignatureFormat) -> Path:
    return EXAMPLES / ("openssl-cms.toml" if signature_format.detached else "xmlsec1.toml")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("third-party-sources")
    paths = {"docx": directory / "bien-ban.docx", "xml": directory / "hoa-don.xml"}
    paths["docx"].write_bytes(word_document())
    paths["xml"].write_bytes(invoice_document())
    return paths


FORMATS = [SignatureFormat.CADES, SignatureFormat.CMS, SignatureFormat.XADES,
           SignatureFormat.XMLDSIG]


@pytest.mark.parametrize("signature_format", FORMATS, ids=str)
def test_a_third_party_verifier_is_judged_by_the_suite(
        testbed: Testbed, sources: dict[str, Path], tmp_path: Path,
        signature_format: SignatureFormat) -> None:
    sut = CliSut(load_profile(_profile(signature_format)))
    source = sources["docx" if signature_format.detached else "xml"]
    content = source if signature_format.detached else None
    label = _token(testbed, f"third-party-{signature_format}")
    signed = tmp_path / ("signed.p7s" if signature_format.detached else "signed.xml")
    _sign(testbed, label, signature_format, source, signed)

    # a valid signature: accepted, the indication is right (the display is not: English only)
    valid = _request(testbed, signature_format, signed, content, tmp_path / "valid")
    answer = sut.verify(valid)
    assert [s.indication for s in answer.signatures] == [Indication.TOTAL_PASSED]
    judged = judge_verification(VerifyExpectation(indication=Indication.TOTAL_PASSED), answer)
    assert [c.passed for c in judged.checks if c.name == "indication"] == [True]
    assert not judged.passed  # TT15-6.4.b: no Vietnamese fields

    # tampered: the signed content changed (a detached file swapped, or the XML edited)
    tampered = tmp_path / ("other.docx" if signature_format.detached else "tampered.xml")
    if signature_format.detached:
        tampered.write_bytes(word_document(["Biên bản đã bị thay"]))
        request = _request(testbed, signature_format, signed, tampered, tmp_path / "swapped")
    else:
        tampered.write_bytes(signed.read_bytes().replace(b"<SHDon>1234<", b"<SHDon>1235<"))
        request = _request(testbed, signature_format, tampered, None, tmp_path / "tampered")
    assert [s.indication for s in sut.verify(request).signatures] == [Indication.TOTAL_FAILED]

    # the signer revoked after signing, no timestamp: the reference verifier does not accept
    # it; the third-party tool, which checks no revocation, does: the suite FAILs it
    testbed.revoke(testbed.state.token(label).certificate)
    revoked = _request(testbed, signature_format, signed, content, tmp_path / "revoked")
    truth = _reference(testbed, revoked).signatures[0]
    assert truth.indication is not Indication.TOTAL_PASSED
    expect = VerifyExpectation(indication=truth.indication,
                               sub_indications=[truth.sub_indication] if truth.sub_indication
                               else [])
    missed = judge_verification(expect, sut.verify(revoked))
    assert not missed.passed
    assert [c.passed for c in missed.checks if c.name == "indication"] == [False]
    assert missed.actual == "TOTAL-PASSED"


@pytest.mark.parametrize("signature_format", FORMATS, ids=str)
def test_a_format_a_profile_does_not_declare_is_declined_not_asked(
        testbed: Testbed, tmp_path: Path, signature_format: SignatureFormat) -> None:
    pdf_only = CliSut(load_profile(EXAMPLES / "pdfsig.toml"))
    request = _request(testbed, signature_format, tmp_path / "never-read", None, tmp_path / "w")
    with pytest.raises(SutUnsupported, match="capabilities.formats"):
        pdf_only.verify(request)
    third_party = CliSut(load_profile(_profile(signature_format)))
    with pytest.raises(SutUnsupported, match="does not include pades|không có pades"):
        third_party.verify(_request(testbed, SignatureFormat.PADES, tmp_path / "x.pdf", None,
                                    tmp_path / "p"))


def test_kyso_conform_fails_a_cms_only_verifier_on_pdf_cases(tmp_path: Path) -> None:
    """Through ``kyso conform --only``: the OpenSSL profile declares no pades, PAdES (row 1.5)
    is mandatory in the catalogue, so the PDF case is FAIL, naming both, and openssl is never
    asked (no command evidence). When the scenarios carry their formats, the same run plays
    the CAdES / CMS cases through the profile."""
    from conformance.runner import RunOptions, conform

    case_id = "verifier::happy-path::verify-b-b"
    results = conform(RunOptions(_profile(SignatureFormat.CMS), tmp_path / "out",
                                 only=(case_id,)), progress=lambda line: None)
    (result,) = [case for case in results.cases if case.id == case_id]
    assert result.verdict == "FAIL"
    assert "capabilities.formats" in result.reason and "TT15-PL1-1.5" in result.reason
    assert not list((tmp_path / "out").rglob("command*.json"))
