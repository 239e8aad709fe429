"""Subscriber tokens on real SoftHSM2: keys generated on the token stay there; certificates
stored on the token match the key; PIN change, re-open and delete."""

from __future__ import annotations

import hashlib

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pkcs11.constants import Attribute, ObjectClass

from testbed.errors import TokenError
from testbed.tokens import PinIncorrectError, SoftHsm, SubscriberToken

from .conftest import SO_PIN, USER_PIN, TestCa


def _objects(token: SubscriberToken, object_class: ObjectClass) -> list[dict[Attribute, object]]:
    """LABEL, ID (and VALUE for certificates) of the token's objects of one class."""
    wanted = [Attribute.LABEL, Attribute.ID]
    if object_class == ObjectClass.CERTIFICATE:
        wanted.append(Attribute.VALUE)
    with token.session() as session:
        return [
            obj.get_attributes(wanted)
            for obj in session.get_objects({Attribute.CLASS: object_class})
        ]


def test_private_key_generated_on_token_is_not_extractable(p256_token: SubscriberToken) -> None:
    with p256_token.session() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=p256_token.key_id)
        flags = key.get_attributes(
            [
                Attribute.TOKEN,
                Attribute.SENSITIVE,
                Attribute.EXTRACTABLE,
                Attribute.NEVER_EXTRACTABLE,
                Attribute.ALWAYS_SENSITIVE,
                Attribute.LOCAL,
            ]
        )
        assert flags == {
            Attribute.TOKEN: True,
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.NEVER_EXTRACTABLE: True,
            Attribute.ALWAYS_SENSITIVE: True,
            Attribute.LOCAL: True,
        }
        with pytest.raises(pkcs11.AttributeSensitive):
            key[Attribute.VALUE]


def test_rsa_key_components_cannot_be_read(softhsm: SoftHsm) -> None:
    token = SubscriberToken.create(
        softhsm, label="rsa-holder", key_type="rsa2048", user_pin=USER_PIN, so_pin=SO_PIN
    )
    public = serialization.load_der_public_key(token.public_key_der())
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    with token.session() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=token.key_id)
        for attribute in (Attribute.PRIVATE_EXPONENT, Attribute.PRIME_1, Attribute.COEFFICIENT):
            with pytest.raises(pkcs11.AttributeSensitive):
                key[attribute]
    signature = token.sign(b"van ban")
    public.verify(signature, b"van ban", padding.PKCS1v15(), hashes.SHA256())


def test_public_key_exports_as_subject_public_key_info(p256_token: SubscriberToken) -> None:
    public = serialization.load_pem_public_key(p256_token.public_key_pem().encode())
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP256R1)
    assert (
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        == p256_token.public_key_der()
    )
    assert p256_token.key_id == x509.SubjectKeyIdentifier.from_public_key(public).digest


def test_stored_certificate_matches_the_key(p256_token: SubscriberToken, test_ca: TestCa) -> None:
    cert_der = test_ca.issue(p256_token.public_key_der(), "NGUYEN VAN A")
    p256_token.store_certificate(cert_der, chain=[test_ca.der])

    assert p256_token.certificate_der() == cert_der
    certificates = _objects(p256_token, ObjectClass.CERTIFICATE)
    by_label = {c[Attribute.LABEL]: c for c in certificates}
    assert set(by_label) == {"nguyen-van-a", "Kyso Test Root CA"}
    subscriber = by_label["nguyen-van-a"]
    [private] = _objects(p256_token, ObjectClass.PRIVATE_KEY)
    [public] = _objects(p256_token, ObjectClass.PUBLIC_KEY)
    for obj in (private, public, subscriber):
        assert obj[Attribute.ID] == p256_token.key_id
        assert obj[Attribute.LABEL] == "nguyen-van-a"
    ca_cert = by_label["Kyso Test Root CA"]
    assert ca_cert[Attribute.VALUE] == test_ca.der
    assert ca_cert[Attribute.ID] != p256_token.key_id

    # the key on the token signs what the certificate's key verifies
    certificate = x509.load_der_x509_certificate(bytes(subscriber[Attribute.VALUE]))  # type: ignore[arg-type]
    raw = p256_token.sign(b"hop dong")
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, b"hop dong", ec.ECDSA(hashes.SHA256()))
    assert len(p256_token.sign(hashlib.sha256(b"x").digest(), pkcs11.Mechanism.ECDSA)) == 64

    # storing a renewed certificate replaces the old one and does not duplicate the CA
    renewed = test_ca.issue(p256_token.public_key_der(), "NGUYEN VAN A")
    p256_token.store_certificate(renewed, chain=[test_ca.der])
    assert p256_token.certificate_der() == renewed
    assert len(_objects(p256_token, ObjectClass.CERTIFICATE)) == 2


def test_certificate_for_another_key_is_refused(
    p256_token: SubscriberToken, test_ca: TestCa
) -> None:
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    other_der = other.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(TokenError, match="does not certify this token's key"):
        p256_token.store_certificate(test_ca.issue(other_der, "MALLORY"))


def test_change_pin_then_open_by_label(softhsm: SoftHsm, p256_token: SubscriberToken) -> None:
    with pytest.raises(PinIncorrectError, match="CKR_PIN_INCORRECT"):
        p256_token.change_pin("000000", "135792")
    p256_token.change_pin(USER_PIN, "135792")
    reopened = SubscriberToken.open(softhsm, "nguyen-van-a", user_pin="135792")
    assert reopened.key_id == p256_token.key_id
    assert reopened.key_type == "p256"
    assert reopened.public_key_der() == p256_token.public_key_der()
    assert len(reopened.sign(b"ok")) == 64
    with pytest.raises(PinIncorrectError):
        reopened.sign(b"old pin", user_pin=USER_PIN)


def test_delete_removes_the_token(softhsm: SoftHsm, p256_token: SubscriberToken) -> None:
    assert softhsm.token_labels() == ["nguyen-van-a"]
    p256_token.delete()
    assert softhsm.token_labels() == []
    assert not softhsm.lockout.path(p256_token.serial).exists()
    with pytest.raises(TokenError, match="no such token"):
        SubscriberToken.open(softhsm, "nguyen-van-a")


def test_bad_requests_name_the_token(softhsm: SoftHsm, p256_token: SubscriberToken) -> None:
    with pytest.raises(TokenError, match="'x'.*unknown key type 'ed25519'"):
        SubscriberToken.create(
            softhsm,
            label="x",
            key_type="ed25519",  # type: ignore[arg-type]  # deliberately not a SubscriberKeyType
            user_pin="1234",
            so_pin="5678",
        )
    with pytest.raises(TokenError, match="'nguyen-van-a'.*already exists"):
        SubscriberToken.create(
            softhsm, label="nguyen-van-a", key_type="p256", user_pin="1234", so_pin="5678"
        )
    with pytest.raises(TokenError, match="1 to 32 bytes"):
        softhsm.init_token("n" * 33, so_pin="5678", user_pin="1234")
