"""A third-party program given only the access file (and the PIN file) can list the token's
objects and sign with pkcs11-tool; the access file never holds the PIN."""

from __future__ import annotations

import hashlib
import stat
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from testbed.tokens import (
    SoftHsm,
    SubscriberToken,
    TokenAccess,
    open_token_library,
    write_pin_file,
)

from .conftest import USER_PIN, TestCa


def _third_party(access: TokenAccess, *args: str) -> subprocess.CompletedProcess[str]:
    """pkcs11-tool run only from what the access file says."""
    return subprocess.run(
        ["pkcs11-tool", "--module", access.module, "--token-label", access.token_label, *args],
        env={"PATH": "/usr/bin:/bin", **access.env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_access_file_has_everything_but_the_pin(
    tmp_path: Path, p256_token: SubscriberToken
) -> None:
    pin_file = write_pin_file(tmp_path / "pin", USER_PIN)
    assert stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    assert pin_file.read_text() == USER_PIN

    path = TokenAccess.for_token(p256_token, pin_file=pin_file).write(tmp_path / "access.json")
    text = path.read_text()
    assert USER_PIN not in text
    access = TokenAccess.load(path)
    assert access.pin_file == str(pin_file)
    assert access.module.endswith("libkyso-lockout.so")
    assert set(access.env) >= {"SOFTHSM2_CONF", "KYSO_LOCKOUT_DIR", "KYSO_REAL_PKCS11_MODULE"}
    assert access.key_id == p256_token.key_id.hex()
    assert access.key_label == access.certificate_label == access.token_label == "nguyen-van-a"
    assert access.pkcs11_uri.startswith("pkcs11:token=nguyen-van-a;object=nguyen-van-a;id=%")
    printable = access.text()
    assert "export SOFTHSM2_CONF=" in printable and USER_PIN not in printable


def test_pkcs11_tool_lists_and_signs_through_the_lockout_module(
    tmp_path: Path, p256_token: SubscriberToken, test_ca: TestCa
) -> None:
    cert_der = test_ca.issue(p256_token.public_key_der(), "NGUYEN VAN A")
    p256_token.store_certificate(cert_der, chain=[test_ca.der])
    pin_file = write_pin_file(tmp_path / "pin", USER_PIN)
    access = TokenAccess.load(
        TokenAccess.for_token(p256_token, pin_file=pin_file).write(tmp_path / "access.json")
    )
    pin = Path(access.pin_file or "").read_text()

    listing = _third_party(access, "--login", "--pin", pin, "--list-objects")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.count(f"ID:         {access.key_id}") == 3  # private, public, cert
    assert "Private Key Object; EC" in listing.stdout
    assert "Certificate Object; type = X.509 cert" in listing.stdout
    assert "label:      Kyso Test Root CA" in listing.stdout

    digest = hashlib.sha256(b"hop dong mua ban").digest()
    (tmp_path / "digest").write_bytes(digest)
    signed = _third_party(
        access,
        "--login",
        "--pin",
        pin,
        "--sign",
        "--mechanism",
        "ECDSA",
        "--id",
        access.key_id,
        "--input-file",
        str(tmp_path / "digest"),
        "--output-file",
        str(tmp_path / "signature"),
    )
    assert signed.returncode == 0, signed.stderr
    raw = (tmp_path / "signature").read_bytes()
    signature = encode_dss_signature(
        int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    )
    public_key = x509.load_der_x509_certificate(cert_der).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, b"hop dong mua ban", ec.ECDSA(hashes.SHA256()))


def test_open_token_library_reaches_a_testbed_token_through_its_softhsm(
    p256_token: SubscriberToken,
) -> None:
    access = TokenAccess.for_token(p256_token)
    softhsm = SoftHsm.for_environment(access.env, access.module)
    assert softhsm is not None and softhsm.conf_path == p256_token.softhsm.conf_path
    library, find = open_token_library(access, access.module)
    assert library is p256_token.softhsm.lib()
    assert find(access.token_label).serial.decode().strip() == p256_token.serial


def test_an_environment_that_is_not_the_testbeds_is_not_its_softhsm(
    p256_token: SubscriberToken,
) -> None:
    access = TokenAccess.for_token(p256_token)
    assert SoftHsm.for_environment({}, access.module) is None
    assert SoftHsm.for_environment({**access.env, "EXTRA": "1"}, access.module) is None
    assert SoftHsm.for_environment(access.env, "/usr/lib/other-pkcs11.so") is None
