"""Fixture signatures made differently on purpose (RSASSA-PSS, no embedded chain, an untrusted or
lifted timestamp) and the universal-signature-forgery edits: checked on the CMS itself."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
from asn1crypto import cms, tsp, x509
from pyhanko.pdf_utils.reader import PdfFileReader

from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.documents import (
    administrative_document,
    break_byte_range,
    empty_signature_contents,
    signed_byte_ranges,
)
from testbed.errors import InvalidInputError
from testbed.fixture_signing import IMPRINT_MISMATCH_DATA, sign_fixture
from testbed.session import Testbed


@pytest.fixture(scope="module")
def document() -> bytes:
    return administrative_document()


def _subscriber(testbed: Testbed, subscriber_id: str, key_type: KeyType) -> str:
    if subscriber_id not in testbed.state.subscribers:
        testbed.issue(subscriber_id, name=VietnameseName(common_name="Ký Thử Nghiệm"),
                      key_type=key_type)
    label = testbed.state.subscriber(subscriber_id).current_certificate
    assert label is not None
    return label


def _signer_info(pdf: bytes) -> tuple[cms.SignedData, cms.SignerInfo]:
    embedded = PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures[-1]
    return embedded.signed_data, embedded.signer_info


def _timestamp_token(signer_info: cms.SignerInfo) -> cms.SignedData:
    for attribute in signer_info["unsigned_attrs"]:
        if attribute["type"].native == "signature_time_stamp_token":
            return attribute["values"][0]["content"]
    raise AssertionError("no signature timestamp")


def test_rsa_pss_and_signer_only_chain(testbed: Testbed, document: bytes) -> None:
    label = _subscriber(testbed, "fixture-pss", KeyType.RSA2048)
    signed_data, signer_info = _signer_info(sign_fixture(
        testbed, document, certificate_label=label, rsa_pss=True, embed_chain=False))
    assert signer_info["signature_algorithm"].signature_algo == "rsassa_pss"
    certificates = [choice.chosen for choice in signed_data["certificates"]]
    assert [c.serial_number for c in certificates] == [testbed.certificate(label).serial]
    _, default_info = _signer_info(sign_fixture(testbed, document, certificate_label=label))
    assert default_info["signature_algorithm"].signature_algo == "rsassa_pkcs1v15"


def test_imprint_mismatch_token_is_genuine_but_for_other_data(testbed: Testbed,
                                                              document: bytes) -> None:
    label = _subscriber(testbed, "fixture-ts", KeyType.P256)
    _, signer_info = _signer_info(sign_fixture(
        testbed, document, certificate_label=label, level="B-T",
        timestamp_defect="imprint-mismatch"))
    token = _timestamp_token(signer_info)
    info = token["encap_content_info"]["content"].parsed
    assert isinstance(info, tsp.TSTInfo)
    imprint = info["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    assert imprint["hashed_message"].native == hashlib.new(algorithm,
                                                           IMPRINT_MISMATCH_DATA).digest()
    assert imprint["hashed_message"].native != hashlib.new(
        algorithm, signer_info["signature"].native).digest()


def test_timestamp_from_the_untrusted_tsa(testbed: Testbed, document: bytes) -> None:
    assert testbed.state.authority("ca-other").tsa == "ca-other-tsa"
    label = _subscriber(testbed, "fixture-ts", KeyType.P256)
    _, signer_info = _signer_info(sign_fixture(testbed, document, certificate_label=label,
                                               level="B-T", tsa_authority="ca-other"))
    token = _timestamp_token(signer_info)
    tsa_serial = token["signer_infos"][0]["sid"].chosen["serial_number"].native
    assert tsa_serial == testbed.certificate("ca-other-tsa").serial
    tsa = x509.Certificate.load(testbed.certificate_der("ca-other-tsa"))
    assert tsa.issuer == x509.Certificate.load(testbed.certificate_der("ca-other")).subject


def test_fixture_options_are_checked(testbed: Testbed, document: bytes) -> None:
    label = _subscriber(testbed, "fixture-ts", KeyType.P256)
    with pytest.raises(InvalidInputError, match="needs level B-T"):
        sign_fixture(testbed, document, certificate_label=label,
                     timestamp_defect="imprint-mismatch")
    with pytest.raises(InvalidInputError, match="not one of"):
        sign_fixture(testbed, document, certificate_label=label, level="B-T",
                     timestamp_defect="other")
    with pytest.raises(InvalidInputError, match="not RSA"):
        sign_fixture(testbed, document, certificate_label=label, rsa_pss=True)
    with pytest.raises(InvalidInputError, match="runs no timestamp authority"):
        sign_fixture(testbed, document, certificate_label=label, level="B-T",
                     tsa_authority="root-cv")


def test_universal_signature_forgery_edits_keep_every_offset(testbed: Testbed,
                                                             document: bytes) -> None:
    label = _subscriber(testbed, "fixture-ts", KeyType.P256)
    signed = sign_fixture(testbed, document, certificate_label=label)
    start1, length1, start2, _ = signed_byte_ranges(signed)[-1]

    empty = empty_signature_contents(signed)
    assert len(empty) == len(signed)
    assert empty[:start1 + length1] == signed[:start1 + length1]
    assert empty[start2:] == signed[start2:]
    assert set(empty[start1 + length1 + 1:start2 - 1]) == {ord("0")}

    bogus = break_byte_range(signed)
    assert len(bogus) == len(signed)
    assert signed_byte_ranges(bogus) == [(0, 0, 0, 0)]
    assert bogus.replace(b" ", b"") != signed.replace(b" ", b"")

    with pytest.raises(InvalidInputError, match="not signed"):
        empty_signature_contents(document)
    with pytest.raises(InvalidInputError, match="not signed"):
        break_byte_range(document)
