"""Keys for the testbed's authorities and software-key subscribers: types, generation, files.

Keys are generated fresh for every testbed, never stored as fixtures. A key written here is
registered at once with the parsed-key cache certomancer signs through
(:mod:`testbed.ca.certomancer_bridge.key_cache`), so its file is never parsed again.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .certomancer_bridge import remember_private_key
from .key_types import KeyType


def generate_private_key(key_type: KeyType) -> PrivateKeyTypes:
    """A new private key of the given type."""
    if key_type in (KeyType.P256, KeyType.P384):
        curve = ec.SECP256R1() if key_type is KeyType.P256 else ec.SECP384R1()
        return ec.generate_private_key(curve)
    bits = int(key_type.value.removeprefix("rsa"))
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def write_private_key(key: PrivateKeyTypes, path: Path) -> None:
    """PKCS#8 PEM, unencrypted (a test PKI), readable by the owner only."""
    pem_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem_bytes)
    path.chmod(0o600)
    remember_private_key(pem_bytes, key)


def write_public_key(public_key_der: bytes, path: Path) -> None:
    """SubjectPublicKeyInfo PEM (e.g. a token's public key, whose private half stays on it)."""
    public_key = serialization.load_der_public_key(public_key_der)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def public_key_der_of(key: PrivateKeyTypes) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def describe_public_key(public_key_der: bytes) -> str:
    """'rsa2048', 'p256', ... for a SubjectPublicKeyInfo."""
    info = keys.PublicKeyInfo.load(public_key_der)
    if info.algorithm == "rsa":
        return f"rsa{info.bit_size}"
    if info.algorithm == "ec":
        curve = info.curve[1]
        return {"secp256r1": "p256", "secp384r1": "p384", "secp521r1": "p521"}.get(curve, curve)
    return info.algorithm
