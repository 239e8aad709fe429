"""The parsed-key cache certomancer signs through: every private key parsed once per process.

Certomancer hands its crypto backend a PKCS#8 blob for every certificate, CRL, OCSP response and
timestamp it signs, and the backend re-parses it each time; with RSA keys cryptography's key
check costs 40–60 ms per parse (measured). :class:`CachingCryptoBackend` parses each key once.
It is installed process-wide by :func:`install_key_cache` (certomancer keeps its backend in a
module global; this is its intended extension point), and :func:`remember_private_key` lets the
code that generates a key register it before certomancer ever reads its file.
"""

from __future__ import annotations

import threading

from asn1crypto import algos, keys, pem
from certomancer import crypto_utils
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes


def _public_key_info_der(key: PrivateKeyTypes) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


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
        with self._lock:
            known = self._loaded.get((key_bytes, password))
        if known is not None:  # a pooled key written again for another testbed
            return known
        pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
        loaded = (keys.PrivateKeyInfo.load(pkcs8),
                  keys.PublicKeyInfo.load(_public_key_info_der(key)))
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


def remember_private_key(key_file_bytes: bytes, key: PrivateKeyTypes) -> None:
    """Register a key just written to a file (``key_file_bytes``, unencrypted) so that
    certomancer never parses that file again."""
    install_key_cache().remember(key_file_bytes, None, key)
