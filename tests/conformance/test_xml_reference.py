"""The reference XML signer and verifier on real SoftHSM tokens, against the live testbed.

Every kind of Vietnamese XML document is signed as XAdES B-B and B-T, enveloped and detached,
and as e-invoice XML-DSig; each output must pass the reference verifier (TOTAL-PASSED) AND
Debian's ``xmlsec1 --verify`` trusting only the testbed's roots (an independent client). The
failures must be caught: a changed text node, a revoked signer (the signer refuses; a signature
made anyway fails), a self-signed key in KeyInfo, SignedProperties left out of SignedInfo, an
entity declaration (XXE).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from asn1crypto import pem
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signer import testbed_trust_roots as roots_of_testbed
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.reference.token_key import token_key
from conformance.reference.xml_building import XmlForm, sign_xml_document
from conformance.reference.xml_parsing import NAMESPACES, parse_xml, serialise
from conformance.reference.xml_signing import sign_xml
from conformance.reference.xml_timestamping import add_signature_timestamp
from conformance.reference.xml_verifying import verify_xml
from conformance.verdict import (
    DisplayField,
    Indication,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
    VerifierAnswer,
)
from testbed.ca.names import VietnameseName
from testbed.session import Testbed
from testbed.tokens import run_traced
from testbed.xml_documents import XML_DOCUMENTS

SIGNER = VietnameseName(common_name="Trần Quốc Bảo", title="Kế toán trưởng",
                        organization="Sở Nội vụ tỉnh Đồng Tháp", locality="Đồng Tháp")
FORMS = [(XmlForm.XADES_ENVELOPED, SignatureLevel.B_B), (XmlForm.XADES_ENVELOPED,
                                                          SignatureLevel.B_T),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_B), (XmlForm.XADES_DETACHED,
                                                         SignatureLevel.B_T),
         (XmlForm.XADES_ENVELOPED, SignatureLevel.B_LT),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_LT),
         (XmlForm.XADES_ENVELOPED, SignatureLevel.B_LTA),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_LTA),
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
    roots = roots_of_testbed(testbed)
    path = tmp_path_factory.mktemp("xml-trust") / "roots.pem"
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", root.dump()) for root in roots))
    return path


def _verify(testbed: Testbed, signed: Path | bytes, source: Path | None = None, *,
            online: bool = True) -> VerifierAnswer:
    detached = {source.name: source.read_bytes()} if source is not None else None
    return verify_xml(signed, roots_of_testbed(testbed), at=testbed.now(), detached=detached,
                      fetch_revocation_online=online)


def _only(answer: VerifierAnswer) -> tuple[Indication, SubIndication | None]:
    assert answer.error is None, answer.error
    (signature,) = answer.signatures
    return signature.indication, signature.sub_indication


def _sign_unchecked(testbed: Testbed, label: str, document: bytes, *,
                    form: XmlForm = XmlForm.XADES_ENVELOPED, level: SignatureLevel =
                    SignatureLevel.B_B, building: Any = sign_xml_document) -> bytes:
    """A defective signer: the token's key, no certificate check first (how a signature by a
    revoked certificate comes to exist)."""
    access, _, tsa_url, now = signing_context_from_testbed(testbed, label)
    with token_session(access, access.module) as session:
        certificate, chain = token_certificates(session, access)
        login_user(session, access.module, testbed.tokens.user_pin(label), label)
        public = cx509.load_der_x509_certificate(certificate.dump()).public_key()
        key = token_key(session, bytes.fromhex(access.key_id), public)
        root, signature = building(parse_xml(document), form=form, key=key,
                                   certificates=[certificate.dump(), *(c.dump() for c in chain)],
                                   moment=now, detached_uri="document.xml")
    if level is SignatureLevel.B_T:
        async def stamp() -> None:
            async with aiohttp.ClientSession() as http:
                await add_signature_timestamp(signature, HTTPTimeStamper(tsa_url, session=http))
        asyncio.run(stamp())
    return serialise(root)


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
            assert has_timestamp is (level is not SignatureLevel.B_B)
            long_term = level in (SignatureLevel.B_LT, SignatureLevel.B_LTA)
            assert (b"RevocationValues" in signed) is long_term
            assert (b"ArchiveTimeStamp" in signed) is (level is SignatureLevel.B_LTA)
            assert (b"SigningCertificateV2" in signed) is form.is_xades
            detached = source if form is XmlForm.XADES_DETACHED else None
            independent = xmlsec1_verify(output, roots_pem, detached)
            assert independent.returncode == 0, (kind, form, level, independent.stderr)
            answer = _verify(testbed, output, detached)
            assert _only(answer) == (Indication.TOTAL_PASSED, None), answer.display
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


def test_an_e_invoice_with_two_signatures_answers_for_each(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """The seller signs #data (XML-DSig); a second signer seals the whole invoice, the seller's
    signature included (XAdES). Both are answered; breaking the seller's SignatureValue
    fails the seller's signature on its key and the seal on its digest."""
    seller, seal = _token(testbed, "xml-seller"), _token(testbed, "xml-seal", "rsa2048")
    first = tmp_path / "hoa-don.xml"
    assert _sign(testbed, seller, documents["hoa-don"], first,
                 form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    both = tmp_path / "hoa-don-2.xml"
    assert _sign(testbed, seal, first, both, level=SignatureLevel.B_T).outcome is \
        SignerOutcome.SIGNED
    answer = _verify(testbed, both)
    assert answer.error is None
    assert [(s.field_name, s.indication) for s in answer.signatures] == [
        ("NBanSignature", Indication.TOTAL_PASSED),
        (answer.signatures[1].field_name, Indication.TOTAL_PASSED)]
    assert "Chữ ký 2" in (answer.display or "")
    signed = both.read_bytes()
    value_start = signed.index(b"SignatureValue>") + len(b"SignatureValue>")
    broken = signed[:value_start] + (b"B" if signed[value_start:value_start + 1] == b"A"
                                     else b"A") + signed[value_start + 1:]
    broken_answer = _verify(testbed, broken)
    assert [(s.indication, s.sub_indication) for s in broken_answer.signatures] == [
        (Indication.TOTAL_FAILED, SubIndication.SIG_CRYPTO_FAILURE),
        (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)]


def test_b_lt_carries_what_an_offline_verifier_needs(testbed: Testbed,
                                                   documents: dict[str, Path],
                                                   tmp_path: Path) -> None:
    """Offline, only the carried OCSP responses/CRLs can prove the status: B-LT passes with
    them, B-T (which carries none) cannot be decided, and B-LT with them removed neither."""
    label = _token(testbed, "xml-lt-offline")
    outputs = {}
    for level in (SignatureLevel.B_T, SignatureLevel.B_LT):
        outputs[level] = tmp_path / f"{level.value}.xml"
        answer = _sign(testbed, label, documents["to-khai"], outputs[level], level=level)
        assert answer.outcome is SignerOutcome.SIGNED and answer.warnings == [], answer.warnings
    offline = _verify(testbed, outputs[SignatureLevel.B_LT], online=False)
    assert _only(offline) == (Indication.TOTAL_PASSED, None), offline.display
    assert "dữ liệu kiểm tra gắn trong tệp" in offline.display
    assert "XAdES-BASELINE-LT" in offline.display
    assert _only(_verify(testbed, outputs[SignatureLevel.B_T], online=False)) == (
        Indication.INDETERMINATE, SubIndication.TRY_LATER)
    signed = outputs[SignatureLevel.B_LT].read_bytes()
    start, end = signed.index(b"<xades:RevocationValues>"), signed.index(
        b"</xades:RevocationValues>") + len(b"</xades:RevocationValues>")
    stripped = signed[:start] + signed[end:]
    assert _only(_verify(testbed, stripped, online=False)) == (Indication.INDETERMINATE,
                                                               SubIndication.TRY_LATER)


def test_the_archive_timestamp_covers_the_unsigned_validation_data(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """RevocationValues are unsigned: cutting an OCSP response out of a B-LT signature goes
    unnoticed online, but a B-LTA's archive timestamp no longer matches."""
    label = _token(testbed, "xml-lta")
    cut = {}
    for level in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
        output = tmp_path / f"{level.value}.xml"
        answer = _sign(testbed, label, documents["cong-van"], output, level=level)
        assert answer.outcome is SignerOutcome.SIGNED, answer.reason
        signed = output.read_bytes()
        if level is SignatureLevel.B_LTA:
            assert _only(_verify(testbed, signed)) == (Indication.TOTAL_PASSED, None)
            assert "XAdES-BASELINE-LTA" in (_verify(testbed, signed).display or "")
        start = signed.index(b"<xades:EncapsulatedOCSPValue>")
        end = signed.index(b"</xades:EncapsulatedOCSPValue>", start) + len(
            b"</xades:EncapsulatedOCSPValue>")
        cut[level] = signed[:start] + signed[end:]
    assert _only(_verify(testbed, cut[SignatureLevel.B_LT])) == (Indication.TOTAL_PASSED, None)
    answer = _verify(testbed, cut[SignatureLevel.B_LTA])
    assert _only(answer) == (Indication.INDETERMINATE, SubIndication.NO_POE), answer.display
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
    label = _token(testbed, "xml-traced", "rsa2048")
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
    assert _only(_verify(testbed, output)) == (Indication.TOTAL_PASSED, None)


def test_plain_xmldsig_has_no_b_t(testbed: Testbed, documents: dict[str, Path],
                                  tmp_path: Path) -> None:
    from conformance.reference.signing_request import SignerInputError

    label = _token(testbed, "xml-no-bt")
    with pytest.raises(SignerInputError):
        _sign(testbed, label, documents["hoa-don"], tmp_path / "x.xml",
              form=XmlForm.XMLDSIG_ENVELOPED, level=SignatureLevel.B_T)


# ---- verification failures ---------------------------------------------------------------------
@pytest.mark.parametrize("form", [XmlForm.XADES_ENVELOPED, XmlForm.XMLDSIG_ENVELOPED])
def test_a_changed_text_node_is_a_hash_failure(testbed: Testbed, documents: dict[str, Path],
                                               tmp_path: Path, form: XmlForm) -> None:
    label = _token(testbed, f"xml-tamper-{form.value}")
    output = tmp_path / "hoa-don.xml"
    assert _sign(testbed, label, documents["hoa-don"], output,
                 form=form).outcome is SignerOutcome.SIGNED
    tampered = output.read_bytes().replace("Công ty Cổ phần".encode(),
                                           "Công ty TNHH".encode())
    assert tampered != output.read_bytes()
    answer = _verify(testbed, tampered)
    assert _only(answer) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
    assert answer.signatures[0].display[DisplayField.INTEGRITY.value].startswith(
        "Không toàn vẹn")


def test_a_changed_detached_document_is_a_hash_failure_and_a_missing_one_is_not_fetched(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    label = _token(testbed, "xml-tamper-detached")
    output = tmp_path / "to-khai.xades.xml"
    assert _sign(testbed, label, documents["to-khai"], output, form=XmlForm.XADES_DETACHED,
                 level=SignatureLevel.B_T).outcome is SignerOutcome.SIGNED
    changed = tmp_path / "to-khai.xml"
    changed.write_bytes(documents["to-khai"].read_bytes().replace(b"178000000", b"17800000"))
    assert _only(_verify(testbed, output, changed)) == (Indication.TOTAL_FAILED,
                                                        SubIndication.HASH_FAILURE)
    assert _only(_verify(testbed, output)) == (Indication.INDETERMINATE,
                                               SubIndication.SIGNED_DATA_NOT_FOUND)


def test_text_added_outside_the_signed_invoice_data_is_not_covered(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """The e-invoice signs #data only: anything added beside it must not pass as signed."""
    label = _token(testbed, "xml-wrapping")
    output = tmp_path / "hoa-don.xml"
    assert _sign(testbed, label, documents["hoa-don"], output,
                 form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    wrapped = output.read_bytes().replace(b"<DSCKS>", "<GhiChu>Giảm giá 50%</GhiChu><DSCKS>"
                                          .encode())
    assert _only(_verify(testbed, wrapped)) == (Indication.INDETERMINATE,
                                                SubIndication.SIG_CONSTRAINTS_FAILURE)
    # signature wrapping: a forged DLHDon with the same Id before the signed one
    signed = output.read_bytes()
    start, end = signed.index(b'<DLHDon Id="data">'), signed.index(b"</DLHDon>") + 9
    forged = signed[start:end].replace(b"7579000", b"1000")
    duplicated = signed[:start] + forged + signed[start:]
    assert _only(_verify(testbed, duplicated)) == (Indication.TOTAL_FAILED,
                                                   SubIndication.FORMAT_FAILURE)


def test_signature_by_a_revoked_certificate_fails(testbed: Testbed,
                                                  documents: dict[str, Path]) -> None:
    label = _token(testbed, "xml-revoked-verify")
    testbed.revoke(testbed.state.token(label).certificate)
    document = documents["cong-van"].read_bytes()
    proven = _sign_unchecked(testbed, label, document, level=SignatureLevel.B_T)
    assert _only(_verify(testbed, proven)) == (Indication.TOTAL_FAILED, SubIndication.REVOKED)
    claimed = _sign_unchecked(testbed, label, document)
    answer = _verify(testbed, claimed)
    assert _only(answer) == (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)
    assert "thu hồi" in answer.display


def test_revocation_after_a_timestamp_keeps_the_signature_valid(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path,
        restore_clock: None) -> None:
    label = _token(testbed, "xml-revoked-later")
    output = tmp_path / "cong-van.xml"
    assert _sign(testbed, label, documents["cong-van"], output,
                 level=SignatureLevel.B_T).outcome is SignerOutcome.SIGNED
    testbed.set_clock(testbed.now() + dt.timedelta(hours=1))
    testbed.revoke(testbed.state.token(label).certificate)
    answer = _verify(testbed, output)
    assert _only(answer) == (Indication.TOTAL_PASSED, None), answer.display
    assert "bị thu hồi sau thời điểm ký" in answer.signatures[0].display[
        DisplayField.VALIDITY_AT_SIGNING_TIME.value]


def _self_signed() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Lê Thị Ánh Tuyết")])
    now = dt.datetime.now(dt.UTC)
    certificate = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(cx509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=365))
                   .sign(key, hashes.SHA256()))
    return key, certificate.public_bytes(serialization.Encoding.DER)


def _base64_certificate(testbed: Testbed, label: str) -> bytes:
    import base64

    der = testbed.certificate_der(testbed.state.token(label).certificate)
    return b"<ds:X509Certificate>" + base64.b64encode(der)[:40]


def test_the_signer_certificate_is_found_whatever_the_keyinfo_order(
        testbed: Testbed, documents: dict[str, Path]) -> None:
    """Other products list the chain CA first: the signer is the leaf, not the first."""
    label = _token(testbed, "xml-chain-order")

    def ca_first(root: Any, **options: Any) -> Any:
        made = sign_xml_document(root, **options)
        x509_data = made.signature.find("ds:KeyInfo/ds:X509Data", namespaces=NAMESPACES)
        signer = x509_data[0]
        x509_data.remove(signer)
        x509_data.append(signer)  # KeyInfo is not signed in this form: reordering is allowed
        return made

    signed = _sign_unchecked(testbed, label, documents["hoa-don"].read_bytes(),
                             form=XmlForm.XMLDSIG_ENVELOPED, building=ca_first)
    assert signed.index(b"<ds:X509Certificate>") != signed.index(
        _base64_certificate(testbed, label))
    answer = _verify(testbed, signed)
    assert _only(answer) == (Indication.TOTAL_PASSED, None), answer.display
    assert "xml-chain-order" in answer.signatures[0].display[DisplayField.SIGNER.value]


def test_a_self_signed_key_in_keyinfo_is_never_trusted(testbed: Testbed,
                                                       documents: dict[str, Path]) -> None:
    """Cryptographically perfect, signed by a key whose certificate is only in KeyInfo."""
    key, certificate = _self_signed()
    for form in (XmlForm.XADES_ENVELOPED, XmlForm.XMLDSIG_ENVELOPED):
        signed = serialise(sign_xml_document(
            parse_xml(documents["hoa-don"].read_bytes()), form=form, key=key,
            certificates=[certificate], moment=testbed.now()).root)
        answer = _verify(testbed, signed)
        assert _only(answer) == (Indication.INDETERMINATE,
                                 SubIndication.NO_CERTIFICATE_CHAIN_FOUND), answer.display


def test_a_bare_keyvalue_without_certificate_is_no_signer(testbed: Testbed,
                                                          documents: dict[str, Path]) -> None:
    from signxml import XMLSigner

    key, _ = _self_signed()
    root = parse_xml(documents["cong-van"].read_bytes())
    signed = serialise(XMLSigner(signature_algorithm="ecdsa-sha256").sign(root, key=key))
    assert b"KeyValue" in signed and b"X509Certificate" not in signed
    assert _only(_verify(testbed, signed)) == (Indication.INDETERMINATE,
                                               SubIndication.NO_SIGNING_CERTIFICATE_FOUND)


def test_signed_properties_outside_signedinfo_is_a_format_failure(
        testbed: Testbed, documents: dict[str, Path]) -> None:
    """A XAdES signature whose SignedProperties no Reference covers (its signing time and
    signing certificate could be swapped at will): made by a defective builder."""
    from conformance.reference import xml_building

    class Unsigned(xml_building._XAdESAt):  # noqa: SLF001 (the defect needs its internals)
        def _add_reference_to_signed_info(self, sig_root: Any, node: Any, **attrs: str) -> None:
            if attrs.get("Type", "").endswith("#SignedProperties"):
                return
            super()._add_reference_to_signed_info(sig_root, node, **attrs)

    def building(root: Any, **options: Any) -> Any:
        original = xml_building._XAdESAt  # noqa: SLF001
        xml_building._XAdESAt = Unsigned  # type: ignore[misc]  # noqa: SLF001
        try:
            return sign_xml_document(root, **options)
        finally:
            xml_building._XAdESAt = original  # type: ignore[misc]  # noqa: SLF001

    label = _token(testbed, "xml-unsigned-properties")
    document = documents["cong-van"].read_bytes()
    signed = _sign_unchecked(testbed, label, document, building=building)
    assert b"SignedProperties" in signed and b"#SignedProperties" not in signed
    assert _only(_verify(testbed, signed)) == (Indication.TOTAL_FAILED,
                                               SubIndication.FORMAT_FAILURE)
    assert _only(_verify(testbed, _sign_unchecked(testbed, label, document))) == (
        Indication.TOTAL_PASSED, None)


def test_a_timestamp_from_another_signature_proves_nothing(testbed: Testbed,
                                                          documents: dict[str, Path]) -> None:
    label = _token(testbed, "xml-foreign-timestamp")
    first = _sign_unchecked(testbed, label, documents["cong-van"].read_bytes(),
                            level=SignatureLevel.B_T)
    second = _sign_unchecked(testbed, label, documents["cong-van"].read_bytes(),
                             level=SignatureLevel.B_T)

    def token_of(signed: bytes) -> bytes:
        return signed.split(b"EncapsulatedTimeStamp>")[1].split(b"</")[0]

    swapped = second.replace(token_of(second), token_of(first))
    assert swapped != second
    assert _only(_verify(testbed, swapped)) == (Indication.INDETERMINATE, SubIndication.NO_POE)


def test_damaged_certificates_and_validation_data_are_answers_not_crashes(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    label = _token(testbed, "xml-damaged")
    output = tmp_path / "signed.xml"
    assert _sign(testbed, label, documents["cong-van"], output,
                 level=SignatureLevel.B_LT).outcome is SignerOutcome.SIGNED
    signed = output.read_bytes()
    for tag in (b"<ds:X509Certificate>", b"<xades:EncapsulatedOCSPValue>",
                b"<xades:EncapsulatedCRLValue>", b"<xades:EncapsulatedX509Certificate>"):
        damaged = signed.replace(tag, tag + b"AAAA", 1)
        assert damaged != signed, tag
        answer = _verify(testbed, damaged)
        assert answer.error is None and len(answer.signatures) == 1, tag
        assert answer.signatures[0].indication is not Indication.TOTAL_PASSED, tag


def test_an_entity_declaration_is_refused_by_verifier_and_signer(
        testbed: Testbed, tmp_path: Path) -> None:
    """XXE: a DOCTYPE with an external entity is never read, let alone resolved."""
    from testbed import InvalidInputError

    hostile = (b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b"\n<a>&x;</a>")
    answer = _verify(testbed, hostile)
    assert answer.signatures == [] and answer.error is not None
    assert "DOCTYPE" in answer.error and "root:" not in (answer.display or "")
    source = tmp_path / "hostile.xml"
    source.write_bytes(hostile)
    label = _token(testbed, "xml-xxe")
    with pytest.raises(InvalidInputError):
        _sign(testbed, label, source, tmp_path / "out.xml")
    assert not (tmp_path / "out.xml").exists()
