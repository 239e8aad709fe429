"""Keys for the testbed's authorities and software-key subscribers: types, generation, files.

Software keys come from the process's key pool (:mod:`testbed.ca.key_pool`: one key per role,
reused by every testbed of the run) or, with the pool off, are generated fresh; they are never
stored as fixtures in the repository. A key written here is
registered at once with the parsed-key cache certomancer signs through
(:mod:`testbed.ca.certomancer_bridge.key_cache`), so its file is never parsed again.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import keys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .certomancer_bridge import remember_private_key
from .key_pool import active_key_pool, generate_private_key, pem_of
from .key_types import KeyType


def role_key(role: str, key_type: KeyType) -> tuple[PrivateKeyTypes, bytes]:
    """The software key for ``role`` (a key label) and its PEM bytes: the pool's when the pool
    is on (same role, same key, in every testbed of the process), else a new one."""
    pool = active_key_pool()
    if pool is not None:
        return pool.key(role, key_type)
    key = generate_private_key(key_type)
    return key, pem_of(key)


def write_private_key(key: PrivateKeyTypes, path: Path, pem_bytes: bytes | None = None) -> None:
    """PKCS#8 PEM, unencrypted (a test PKI), readable by the owner only (``pem_bytes``: the
    key's PEM when the caller already has it)."""
    pem_bytes = pem_bytes if pem_bytes is not None else pem_of(key)
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


__all__ = ["describe_public_key", "generate_private_key", "public_key_der_of", "role_key",
           "write_private_key", "write_public_key"]


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
