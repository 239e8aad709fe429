"""The reference XML signer on real SoftHSM tokens, against the live testbed.

Every kind of Vietnamese XML document is signed as XAdES B-B, B-T, B-LT and B-LTA, enveloped
and detached, and as e-invoice XML-DSig; each output must pass the reference verifier
(TOTAL-PASSED) AND Debian's ``xmlsec1 --verify`` trusting only the testbed's roots (an
independent client). A revoked signer is refused with no file written; the key is used through
C_Sign only (pkcs11-spy); B-LT carries what an offline verifier needs; the archive timestamp
covers the unsigned validation data; a document with two signatures is answered for each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from asn1crypto import pem

from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.xml_building import XmlForm
from conformance.verdict import (
    DisplayField,
    Indication,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
)
from testbed.session import Testbed
from testbed.tokens import run_traced
from tests.conformance.xml_helpers import (
    FORMS,
    needs_xmlsec1,
    only,
    roots_of_testbed,
    sign,
    token,
    verify,
    write_documents,
    xmlsec1_verify,
)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_documents(tmp_path_factory.mktemp("xml-documents"))


@pytest.fixture(scope="module")
def roots_pem(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("xml-trust") / "roots.pem"
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", root.dump())
                              for root in roots_of_testbed(testbed)))
    return path


# ---- signing ------------------------------------------------------------------------------------
@needs_xmlsec1
@pytest.mark.parametrize("key_type", ["p256", "rsa2048"])
def test_every_form_and_level_signs_and_xmlsec1_accepts_it(
        testbed: Testbed, documents: dict[str, Path], roots_pem: Path, tmp_path: Path,
        key_type: str) -> None:
    label = token(testbed, f"xml-forms-{key_type}", key_type)
    for kind, source in documents.items():
        for form, level in FORMS:
            output = tmp_path / f"{kind}-{form.value}-{level.value}.xml"
            answer = sign(testbed, label, source, output, form=form, level=level)
            assert answer.outcome is SignerOutcome.SIGNED, answer.reason
            assert answer.display is not None and answer.display.startswith("Đã ký.")
            signed = output.read_bytes()
            assert signed.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
            if form is XmlForm.XADES_DETACHED:
                assert source.name.encode() in signed  # the Reference names the document
            else:
                assert "Sở Nội vụ".encode() in signed or "Công ty".encode() in signed
            has_timestamp = b"EncapsulatedTimeStamp" in signed
            assert has_timestamp is (level is not SignatureLevel.B_B)
            long_term = level in (SignatureLevel.B_LT, SignatureLevel.B_LTA)
            assert (b"RevocationValues" in signed) is long_term
            assert (b"ArchiveTimeStamp" in signed) is (level is SignatureLevel.B_LTA)
            assert (b"SigningCertificateV2" in signed) is form.is_xades
            detached = source if form is XmlForm.XADES_DETACHED else None
            independent = xmlsec1_verify(output, roots_pem, detached)
            assert independent.returncode == 0, (kind, form, level, independent.stderr)
            answer = verify(testbed, output, detached)
            assert only(answer) == (Indication.TOTAL_PASSED, None), answer.display
            shown = answer.signatures[0].display
            assert shown["result"] == "Chữ ký số hợp lệ"
            assert "Trần Quốc Bảo" in shown[DisplayField.SIGNER.value]
            time_source = "khai báo" if level is SignatureLevel.B_B else "theo dấu thời gian"
            assert time_source in shown[DisplayField.SIGNING_TIME.value]
            assert shown[DisplayField.INTEGRITY.value].startswith("Toàn vẹn")


@needs_xmlsec1
def test_xmlsec1_rejects_a_changed_text_node(testbed: Testbed, documents: dict[str, Path],
                                             roots_pem: Path, tmp_path: Path) -> None:
    """The independent check can fail: the same signature over a changed amount."""
    label = token(testbed, "xml-xmlsec1-tamper")
    output = tmp_path / "hoa-don.xml"
    assert sign(testbed, label, documents["hoa-don"], output,
                form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(output.read_bytes().replace(b"7579000", b"757900"))
    assert xmlsec1_verify(output, roots_pem).returncode == 0
    assert xmlsec1_verify(tampered, roots_pem).returncode != 0


def test_revoked_signer_is_refused_and_no_file_written(testbed: Testbed,
                                                        documents: dict[str, Path],
                                                        tmp_path: Path) -> None:
    label = token(testbed, "xml-revoked")
    testbed.revoke(testbed.state.token(label).certificate)
    output = tmp_path / "signed.xml"
    answer = sign(testbed, label, documents["cong-van"], output)
    assert answer.outcome is SignerOutcome.REFUSED
    assert not output.exists()
    assert answer.display is not None and answer.display.startswith("Chưa ký.")
    assert "thu hồi" in (answer.reason or "") and "revoked" in (answer.reason or "")


def test_an_e_invoice_with_two_signatures_answers_for_each(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """The seller signs #data (XML-DSig); a second signer seals the whole invoice, the seller's
    signature included (XAdES). Both are answered; breaking the seller's SignatureValue
    fails the seller's signature on its key and the seal on its digest."""
    seller, seal = token(testbed, "xml-seller"), token(testbed, "xml-seal", "rsa2048")
    first = tmp_path / "hoa-don.xml"
    assert sign(testbed, seller, documents["hoa-don"], first,
                form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    both = tmp_path / "hoa-don-2.xml"
    assert sign(testbed, seal, first, both, level=SignatureLevel.B_T).outcome is \
        SignerOutcome.SIGNED
    answer = verify(testbed, both)
    assert answer.error is None
    assert [(s.field_name, s.indication) for s in answer.signatures] == [
        ("NBanSignature", Indication.TOTAL_PASSED),
        (answer.signatures[1].field_name, Indication.TOTAL_PASSED)]
    assert "Chữ ký 2" in (answer.display or "")
    signed = both.read_bytes()
    value_start = signed.index(b"SignatureValue>") + len(b"SignatureValue>")
    broken = signed[:value_start] + (b"B" if signed[value_start:value_start + 1] == b"A"
                                     else b"A") + signed[value_start + 1:]
    broken_answer = verify(testbed, broken)
    assert [(s.indication, s.sub_indication) for s in broken_answer.signatures] == [
        (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE),
        (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)]


def test_b_lt_carries_what_an_offline_verifier_needs(testbed: Testbed,
                                                   documents: dict[str, Path],
                                                   tmp_path: Path) -> None:
    """Offline, only the carried OCSP responses/CRLs can prove the status: B-LT passes with
    them, B-T (which carries none) cannot be decided, and B-LT with them removed neither."""
    label = token(testbed, "xml-lt-offline")
    outputs = {}
    for level in (SignatureLevel.B_T, SignatureLevel.B_LT):
        outputs[level] = tmp_path / f"{level.value}.xml"
        answer = sign(testbed, label, documents["to-khai"], outputs[level], level=level)
        assert answer.outcome is SignerOutcome.SIGNED and answer.warnings == [], answer.warnings
    offline = verify(testbed, outputs[SignatureLevel.B_LT], online=False)
    assert only(offline) == (Indication.TOTAL_PASSED, None), offline.display
    assert "dữ liệu kiểm tra gắn trong tệp" in offline.display
    assert "XAdES-BASELINE-LT" in offline.display
    assert only(verify(testbed, outputs[SignatureLevel.B_T], online=False)) == (
        Indication.INDETERMINATE, SubIndication.TRY_LATER)
    signed = outputs[SignatureLevel.B_LT].read_bytes()
    start, end = signed.index(b"<xades:RevocationValues>"), signed.index(
        b"</xades:RevocationValues>") + len(b"</xades:RevocationValues>")
    stripped = signed[:start] + signed[end:]
    assert only(verify(testbed, stripped, online=False)) == (Indication.INDETERMINATE,
                                                               SubIndication.TRY_LATER)


def test_the_archive_timestamp_covers_the_unsigned_validation_data(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """RevocationValues are unsigned: cutting an OCSP response out of a B-LT signature goes
    unnoticed online, but a B-LTA's archive timestamp no longer matches."""
    label = token(testbed, "xml-lta")
    cut = {}
    for level in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
        output = tmp_path / f"{level.value}.xml"
        answer = sign(testbed, label, documents["cong-van"], output, level=level)
        assert answer.outcome is SignerOutcome.SIGNED, answer.reason
        signed = output.read_bytes()
        if level is SignatureLevel.B_LTA:
            assert only(verify(testbed, signed)) == (Indication.TOTAL_PASSED, None)
            assert "XAdES-BASELINE-LTA" in (verify(testbed, signed).display or "")
        start = signed.index(b"<xades:EncapsulatedOCSPValue>")
        end = signed.index(b"</xades:EncapsulatedOCSPValue>", start) + len(
            b"</xades:EncapsulatedOCSPValue>")
        cut[level] = signed[:start] + signed[end:]
    assert only(verify(testbed, cut[SignatureLevel.B_LT])) == (Indication.TOTAL_PASSED, None)
    answer = verify(testbed, cut[SignatureLevel.B_LTA])
    assert only(answer) == (Indication.INDETERMINATE, SubIndication.NO_POE), answer.display
    assert "archive timestamp" in answer.display


_TRACED_SIGNING = """
import sys
from pathlib import Path
from testbed import Testbed
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.xml_signing import sign_xml
directory, label, source, output, module = sys.argv[1:]
testbed = Testbed.open(Path(directory))
access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
answer = sign_xml(Path(source), Path(output), access=access, pin=testbed.tokens.user_pin(label),
                  trust_roots=roots, moment=now, level="B-T", tsa_url=tsa_url, module=module)
print(answer.model_dump_json())
"""


def test_xml_signing_under_pkcs11_spy_uses_c_sign_and_never_extracts_the_key(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    label = token(testbed, "xml-traced", "rsa2048")
    access = testbed.tokens.access(label)
    output = tmp_path / "traced.xml"
    pin = testbed.tokens.user_pin(label)
    run = run_traced(
        [sys.executable, "-c", _TRACED_SIGNING, str(testbed.directory), label,
         str(documents["hoa-don"]), str(output), "{module}"],
        target_module=Path(access.module), env=access.process_env(),
        trace_path=tmp_path / "trace.txt", secrets=[pin], timeout=120)
    assert run.returncode == 0, run.stderr
    answer = SignerAnswer.model_validate_json(run.stdout)
    assert answer.outcome is SignerOutcome.SIGNED and output.exists()
    assert run.summary.signed and not run.summary.tried_key_extraction
    assert "C_Login" in run.summary.calls
    assert pin not in (tmp_path / "trace.txt").read_text()
    assert only(verify(testbed, output)) == (Indication.TOTAL_PASSED, None)


def test_unusable_requests_are_usage_errors(testbed: Testbed, documents: dict[str, Path],
                                  tmp_path: Path) -> None:
    from conformance.reference.signing_request import SignerInputError

    label = token(testbed, "xml-no-bt")
    with pytest.raises(SignerInputError):
        sign(testbed, label, documents["hoa-don"], tmp_path / "x.xml",
             form=XmlForm.XMLDSIG_ENVELOPED, level=SignatureLevel.B_T)
    with pytest.raises(SignerInputError, match="dạng chữ ký"):
        sign(testbed, label, documents["hoa-don"], tmp_path / "x.xml", form="xades-enveloping")
    assert not (tmp_path / "x.xml").exists()
