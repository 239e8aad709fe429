"""The reference XML verifier catches what it must, on the live testbed.

A changed text node or detached document (HASH_FAILURE), a missing detached document (never
fetched), text beside the signed e-invoice data and signature wrapping, a signature by a revoked
certificate (TOTAL-FAILED with a timestamp proving it, INDETERMINATE without), a revocation after
the timestamp (still valid), the signer certificate in any KeyInfo order, a self-signed key or a
bare KeyValue (never trusted), SignedProperties outside SignedInfo (FORMAT_FAILURE), a timestamp
from another signature (NO_POE), damaged certificates and validation data (an answer, not a
crash), and an entity declaration (XXE: refused by verifier and signer).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.xml_building import XmlForm, sign_xml_document
from conformance.reference.xml_parsing import NAMESPACES, parse_xml, serialise
from conformance.verdict import DisplayField, Indication, SignerOutcome, SubIndication
from testbed.session import Testbed
from tests.conformance.xml_helpers import (
    only,
    self_signed,
    sign,
    sign_unchecked,
    token,
    verify,
    write_documents,
)


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_documents(tmp_path_factory.mktemp("xml-documents"))


# ---- verification failures ---------------------------------------------------------------------
@pytest.mark.parametrize("form", [XmlForm.XADES_ENVELOPED, XmlForm.XMLDSIG_ENVELOPED])
def test_a_changed_text_node_is_a_hash_failure(testbed: Testbed, documents: dict[str, Path],
                                               tmp_path: Path, form: XmlForm) -> None:
    label = token(testbed, f"xml-tamper-{form.value}")
    output = tmp_path / "hoa-don.xml"
    assert sign(testbed, label, documents["hoa-don"], output,
                form=form).outcome is SignerOutcome.SIGNED
    tampered = output.read_bytes().replace("Công ty Cổ phần".encode(),
                                           "Công ty TNHH".encode())
    assert tampered != output.read_bytes()
    answer = verify(testbed, tampered)
    assert only(answer) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)
    assert answer.signatures[0].display[DisplayField.INTEGRITY.value].startswith(
        "Không toàn vẹn")


def test_a_changed_detached_document_is_a_hash_failure_and_a_missing_one_is_not_fetched(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    label = token(testbed, "xml-tamper-detached")
    output = tmp_path / "to-khai.xades.xml"
    assert sign(testbed, label, documents["to-khai"], output, form=XmlForm.XADES_DETACHED,
                level=SignatureLevel.B_T).outcome is SignerOutcome.SIGNED
    changed = tmp_path / "to-khai.xml"
    changed.write_bytes(documents["to-khai"].read_bytes().replace(b"178000000", b"17800000"))
    assert only(verify(testbed, output, changed)) == (Indication.TOTAL_FAILED,
                                                        SubIndication.HASH_FAILURE)
    assert only(verify(testbed, output)) == (Indication.INDETERMINATE,
                                               SubIndication.SIGNED_DATA_NOT_FOUND)


def test_text_added_outside_the_signed_invoice_data_is_not_covered(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    """The e-invoice signs #data only: anything added beside it must not pass as signed."""
    label = token(testbed, "xml-wrapping")
    output = tmp_path / "hoa-don.xml"
    assert sign(testbed, label, documents["hoa-don"], output,
                form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    wrapped = output.read_bytes().replace(b"<DSCKS>", "<GhiChu>Giảm giá 50%</GhiChu><DSCKS>"
                                          .encode())
    assert only(verify(testbed, wrapped)) == (Indication.INDETERMINATE,
                                                SubIndication.SIG_CONSTRAINTS_FAILURE)
    # signature wrapping: a forged DLHDon with the same Id before the signed one
    signed = output.read_bytes()
    start, end = signed.index(b'<DLHDon Id="data">'), signed.index(b"</DLHDon>") + 9
    forged = signed[start:end].replace(b"7579000", b"1000")
    duplicated = signed[:start] + forged + signed[start:]
    assert only(verify(testbed, duplicated)) == (Indication.TOTAL_FAILED,
                                                   SubIndication.FORMAT_FAILURE)


def test_signature_by_a_revoked_certificate_fails(testbed: Testbed,
                                                  documents: dict[str, Path]) -> None:
    label = token(testbed, "xml-revoked-verify")
    testbed.revoke(testbed.state.token(label).certificate)
    document = documents["cong-van"].read_bytes()
    proven = sign_unchecked(testbed, label, document, level=SignatureLevel.B_T)
    assert only(verify(testbed, proven)) == (Indication.TOTAL_FAILED, SubIndication.REVOKED)
    claimed = sign_unchecked(testbed, label, document)
    answer = verify(testbed, claimed)
    assert only(answer) == (Indication.INDETERMINATE, SubIndication.REVOKED_NO_POE)
    assert "thu hồi" in answer.display


def test_revocation_after_a_timestamp_keeps_the_signature_valid(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path,
        restore_clock: None) -> None:
    label = token(testbed, "xml-revoked-later")
    output = tmp_path / "cong-van.xml"
    assert sign(testbed, label, documents["cong-van"], output,
                level=SignatureLevel.B_T).outcome is SignerOutcome.SIGNED
    testbed.set_clock(testbed.now() + dt.timedelta(hours=1))
    testbed.revoke(testbed.state.token(label).certificate)
    answer = verify(testbed, output)
    assert only(answer) == (Indication.TOTAL_PASSED, None), answer.display
    assert "bị thu hồi sau thời điểm ký" in answer.signatures[0].display[
        DisplayField.VALIDITY_AT_SIGNING_TIME.value]


def _base64_certificate(testbed: Testbed, label: str) -> bytes:
    import base64

    der = testbed.certificate_der(testbed.state.token(label).certificate)
    return b"<ds:X509Certificate>" + base64.b64encode(der)[:40]


def test_the_signer_certificate_is_found_whatever_the_keyinfo_order(
        testbed: Testbed, documents: dict[str, Path]) -> None:
    """Other products list the chain CA first: the signer is the leaf, not the first."""
    label = token(testbed, "xml-chain-order")

    def ca_first(root: Any, **options: Any) -> Any:
        made = sign_xml_document(root, **options)
        x509_data = made.signature.find("ds:KeyInfo/ds:X509Data", namespaces=NAMESPACES)
        signer = x509_data[0]
        x509_data.remove(signer)
        x509_data.append(signer)  # KeyInfo is not signed in this form: reordering is allowed
        return made

    signed = sign_unchecked(testbed, label, documents["hoa-don"].read_bytes(),
                            form=XmlForm.XMLDSIG_ENVELOPED, building=ca_first)
    assert signed.index(b"<ds:X509Certificate>") != signed.index(
        _base64_certificate(testbed, label))
    answer = verify(testbed, signed)
    assert only(answer) == (Indication.TOTAL_PASSED, None), answer.display
    assert "xml-chain-order" in answer.signatures[0].display[DisplayField.SIGNER.value]


def test_a_self_signed_key_in_keyinfo_is_never_trusted(testbed: Testbed,
                                                       documents: dict[str, Path]) -> None:
    """Cryptographically perfect, signed by a key whose certificate is only in KeyInfo."""
    key, certificate = self_signed()
    for form in (XmlForm.XADES_ENVELOPED, XmlForm.XMLDSIG_ENVELOPED):
        signed = serialise(sign_xml_document(
            parse_xml(documents["hoa-don"].read_bytes()), form=form, key=key,
            certificates=[certificate], moment=testbed.now()).root)
        answer = verify(testbed, signed)
        assert only(answer) == (Indication.INDETERMINATE,
                                 SubIndication.NO_CERTIFICATE_CHAIN_FOUND), answer.display


def test_a_bare_keyvalue_without_certificate_is_no_signer(testbed: Testbed,
                                                          documents: dict[str, Path]) -> None:
    from signxml import XMLSigner

    key, _ = self_signed()
    root = parse_xml(documents["cong-van"].read_bytes())
    signed = serialise(XMLSigner(signature_algorithm="ecdsa-sha256").sign(root, key=key))
    assert b"KeyValue" in signed and b"X509Certificate" not in signed
    assert only(verify(testbed, signed)) == (Indication.INDETERMINATE,
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

    label = token(testbed, "xml-unsigned-properties")
    document = documents["cong-van"].read_bytes()
    signed = sign_unchecked(testbed, label, document, building=building)
    assert b"SignedProperties" in signed and b"#SignedProperties" not in signed
    assert only(verify(testbed, signed)) == (Indication.TOTAL_FAILED,
                                               SubIndication.FORMAT_FAILURE)
    assert only(verify(testbed, sign_unchecked(testbed, label, document))) == (
        Indication.TOTAL_PASSED, None)


def test_a_timestamp_from_another_signature_proves_nothing(testbed: Testbed,
                                                          documents: dict[str, Path]) -> None:
    label = token(testbed, "xml-foreign-timestamp")
    first = sign_unchecked(testbed, label, documents["cong-van"].read_bytes(),
                           level=SignatureLevel.B_T)
    second = sign_unchecked(testbed, label, documents["cong-van"].read_bytes(),
                            level=SignatureLevel.B_T)

    def token_of(signed: bytes) -> bytes:
        return signed.split(b"EncapsulatedTimeStamp>")[1].split(b"</")[0]

    swapped = second.replace(token_of(second), token_of(first))
    assert swapped != second
    assert only(verify(testbed, swapped)) == (Indication.INDETERMINATE, SubIndication.NO_POE)


def test_damaged_certificates_and_validation_data_are_answers_not_crashes(
        testbed: Testbed, documents: dict[str, Path], tmp_path: Path) -> None:
    label = token(testbed, "xml-damaged")
    output = tmp_path / "signed.xml"
    assert sign(testbed, label, documents["cong-van"], output,
                level=SignatureLevel.B_LT).outcome is SignerOutcome.SIGNED
    signed = output.read_bytes()
    for tag in (b"<ds:X509Certificate>", b"<xades:EncapsulatedOCSPValue>",
                b"<xades:EncapsulatedCRLValue>", b"<xades:EncapsulatedX509Certificate>"):
        damaged = signed.replace(tag, tag + b"AAAA", 1)
        assert damaged != signed, tag
        answer = verify(testbed, damaged)
        assert answer.error is None and len(answer.signatures) == 1, tag
        assert answer.signatures[0].indication is not Indication.TOTAL_PASSED, tag


def test_an_entity_declaration_is_refused_by_verifier_and_signer(
        testbed: Testbed, tmp_path: Path) -> None:
    """XXE: a DOCTYPE with an external entity is never read, let alone resolved."""
    from testbed import InvalidInputError

    hostile = (b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b"\n<a>&x;</a>")
    answer = verify(testbed, hostile)
    assert answer.signatures == [] and answer.error is not None
    assert "DOCTYPE" in answer.error and "root:" not in (answer.display or "")
    source = tmp_path / "hostile.xml"
    source.write_bytes(hostile)
    label = token(testbed, "xml-xxe")
    with pytest.raises(InvalidInputError):
        sign(testbed, label, source, tmp_path / "out.xml")
    assert not (tmp_path / "out.xml").exists()
