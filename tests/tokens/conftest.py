"""Fixtures for the token layer: a fresh SoftHSM testbed directory per test, real tokens, a
throw-away test CA (the real CA lives in testbed/ca), and a helper to run pkcs11-tool."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from testbed.tokens import SoftHsm, SubscriberToken

USER_PIN = "246810"
SO_PIN = "so-135790"
MAX_TRIES = 3
# A fixed instant: test certificates need no relation to the real clock.
NOT_BEFORE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def softhsm(tmp_path: Path) -> SoftHsm:
    return SoftHsm(tmp_path / "testbed", max_pin_tries=MAX_TRIES)


@pytest.fixture
def p256_token(softhsm: SoftHsm) -> SubscriberToken:
    return SubscriberToken.create(
        softhsm, label="nguyen-van-a", key_type="p256", user_pin=USER_PIN, so_pin=SO_PIN
    )


@dataclass
class TestCa:
    """A throw-away CA made with cryptography, only to give tokens real certificates."""

    __test__ = False

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def make(cls, common_name: str = "Kyso Test Root CA") -> TestCa:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_BEFORE + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def issue(self, public_key_der: bytes, common_name: str) -> bytes:
        """A subscriber certificate for a token's public key, as DER."""
        public_key = serialization.load_der_public_key(public_key_der)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.certificate.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_BEFORE + timedelta(days=365))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False)  # type: ignore[arg-type]
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="session")
def test_ca() -> TestCa:
    return TestCa.make()


Pkcs11Tool = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def pkcs11_tool(softhsm: SoftHsm) -> Pkcs11Tool:
    """Run OpenSC's pkcs11-tool in a separate process against the lockout module."""

    def run(*args: str, module: Path | None = None) -> subprocess.CompletedProcess[str]:
        command = ["pkcs11-tool", "--module", str(module or softhsm.module_path), *args]
        return subprocess.run(
            command,
            env={"PATH": "/usr/bin:/bin", **softhsm.env()},
            capture_output=True,
            text=True,
            timeout=30,
        )

    return run
