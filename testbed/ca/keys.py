"""Keys for the testbed's authorities and software-key subscribers, and a parsed-key cache.

Certomancer hands its crypto backend a PKCS#8 blob for every certificate, CRL, OCSP response and
timestamp it signs, and the backend re-parses it each time; with RSA keys cryptography's key
check costs 40–60 ms per parse (measured). :class:`CachingCryptoBackend` parses each key once.
It is installed process-wide by :func:`install_key_cache` (certomancer keeps its backend in a
module global; this is its intended extension point).

Keys are generated fresh for every testbed, never stored as fixtures.
"""

from __future__ import annotations

import threading
from pathlib import Path

from asn1crypto import algos, keys, pem
from certomancer import crypto_utils
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

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
    install_key_cache().remember(pem_bytes, None, key)


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


class CachingCryptoBackend(crypto_utils.PycaCryptographyBackend):
    """Certomancer's pyca backend, parsing each private key once instead of once per signature."""

    def __init__(self) -> None:
        self._parsed: dict[bytes, PrivateKeyTypes] = {}
        self._loaded: dict[tuple[bytes, bytes | None], tuple[keys.PrivateKeyInfo,
                                                             keys.PublicKeyInfo]] = {}
        self._lock = threading.Lock()

    def load_private_key(
        self, key_bytes: bytes, password: bytes | None
    ) -> tuple[keys.PrivateKeyInfo, keys.PublicKeyInfo]:
        """Key files are read on every architecture build; parse each one once.

        RSA key validation is skipped: these are the testbed's own freshly generated keys, and
        the check is what costs 40–60 ms per RSA parse.
        """
        cache_key = (key_bytes, password)
        with self._lock:
            loaded = self._loaded.get(cache_key)
        if loaded is not None:
            return loaded
        load = (serialization.load_pem_private_key if pem.detect(key_bytes)
                else serialization.load_der_private_key)
        key = load(key_bytes, password=password, unsafe_skip_rsa_key_validation=True)
        return self.remember(key_bytes, password, key)

    def remember(self, key_bytes: bytes, password: bytes | None,
                 key: PrivateKeyTypes) -> tuple[keys.PrivateKeyInfo, keys.PublicKeyInfo]:
        """Register a key object we already hold (e.g. just generated) under its file bytes."""
        pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        loaded = (keys.PrivateKeyInfo.load(pkcs8), keys.PublicKeyInfo.load(public_key_der_of(key)))
        with self._lock:
            self._loaded[(key_bytes, password)] = loaded
            self._parsed[pkcs8] = key
        return loaded

    def parsed(self, private_key: keys.PrivateKeyInfo) -> PrivateKeyTypes:
        blob = private_key.dump()
        with self._lock:
            key = self._parsed.get(blob)
            if key is None:
                key = serialization.load_der_private_key(
                    blob, password=None, unsafe_skip_rsa_key_validation=True)
                self._parsed[blob] = key
        return key

    def generic_sign(
        self,
        private_key: keys.PrivateKeyInfo,
        tbs_bytes: bytes,
        sd_algo: algos.SignedDigestAlgorithm,
    ) -> bytes:
        key = self.parsed(private_key)
        signature_algo = sd_algo.signature_algo
        hash_algorithm = getattr(hashes, sd_algo.hash_algo.upper())()
        if signature_algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(tbs_bytes, padding.PKCS1v15(), hash_algorithm)
        if signature_algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            params = sd_algo["parameters"]
            mgf_hash = getattr(hashes, params["mask_gen_algorithm"]["parameters"]["algorithm"]
                               .native.upper())()
            pss = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
            return key.sign(tbs_bytes, pss, hash_algorithm)
        if signature_algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(tbs_bytes, ec.ECDSA(hash_algorithm))
        # anything exotic: certomancer's own (uncached) path
        return super().generic_sign(private_key, tbs_bytes, sd_algo)


_installed: CachingCryptoBackend | None = None


def install_key_cache() -> CachingCryptoBackend:
    """Make certomancer sign through the caching backend (idempotent, process-wide)."""
    global _installed
    if _installed is None:
        _installed = CachingCryptoBackend()
        crypto_utils.CRYPTO_BACKEND = _installed
    return _installed
