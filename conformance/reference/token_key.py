"""The subscriber's private key as a ``cryptography`` key object whose ``sign()`` is C_Sign.

signxml signs with a :mod:`cryptography` private key. The key of a subscriber never leaves its
token (TT15-5.1: the signing key is kept on the device), so these classes hold only a handle to
the key object on a logged-in PKCS#11 session and the public key from the certificate: every
signature is made by the token (python-pkcs11, C_Sign), and every attempt to export the key
(``private_numbers``, ``private_bytes``) or decrypt with it raises.

RSA signs with CKM_SHA256_RSA_PKCS (and its SHA-384/512 siblings): PKCS#1 v1.5, what XML-DSig's
``rsa-sha256`` is. EC signs with raw CKM_ECDSA over a digest computed here, because SoftHSM2 has
no CKM_ECDSA_SHA256; the token's r||s is re-encoded as the DER signature ``cryptography`` returns
(signxml turns it back into r||s for the XML).
"""

from __future__ import annotations

import hashlib
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from pkcs11.constants import ObjectClass
from pkcs11.mechanisms import Mechanism

from bilingual import say

_RSA_MECHANISMS = {
    "sha256": Mechanism.SHA256_RSA_PKCS,
    "sha384": Mechanism.SHA384_RSA_PKCS,
    "sha512": Mechanism.SHA512_RSA_PKCS,
}


def _never_exported() -> NoReturn:
    raise TypeError(say("khóa bí mật nằm trên thiết bị lưu khóa và không bao giờ được xuất ra",
                        "the private key stays on the token and is never exported"))


def _token_private_key(session: Any, key_id: bytes) -> Any:
    """The private key object with CKA_ID ``key_id`` on a logged-in ``session``."""
    return session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)


def _algorithm_of(algorithm: Any) -> hashes.HashAlgorithm:
    if isinstance(algorithm, utils.Prehashed):
        raise TypeError(say("khóa trên thiết bị không ký giá trị băm tính sẵn",
                            "the token key does not sign pre-hashed values"))
    return algorithm


class TokenRSAKey(rsa.RSAPrivateKey):
    """An RSA key on the token: PKCS#1 v1.5 with SHA-2, made by C_Sign."""

    def __init__(self, session: Any, key_id: bytes, public: rsa.RSAPublicKey) -> None:
        self._key = _token_private_key(session, key_id)
        self._public = public

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,  # noqa: F811
             algorithm: Any) -> bytes:
        """C_Sign with the token's CKM_SHAxxx_RSA_PKCS (PSS is not offered here)."""
        algorithm = _algorithm_of(algorithm)
        if not isinstance(padding, _PKCS1v15) or algorithm.name not in _RSA_MECHANISMS:
            raise TypeError(say(
                f"khóa trên thiết bị chỉ ký PKCS#1 v1.5 với SHA-2, không ký {padding.name} / "
                f"{algorithm.name}",
                f"the token key signs PKCS#1 v1.5 with SHA-2 only, not {padding.name} / "
                f"{algorithm.name}"))
        return bytes(self._key.sign(data, mechanism=_RSA_MECHANISMS[algorithm.name]))

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def decrypt(self, ciphertext: bytes, padding: padding.AsymmetricPadding) -> bytes:
        _never_exported()

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        _never_exported()

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        _never_exported()

    def __copy__(self) -> TokenRSAKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenRSAKey:
        return self  # a handle to the one key on the token: copies are the same key


_PKCS1v15 = padding.PKCS1v15


class TokenECKey(ec.EllipticCurvePrivateKey):
    """An EC key on the token: raw CKM_ECDSA over a digest computed here."""

    def __init__(self, session: Any, key_id: bytes, public: ec.EllipticCurvePublicKey) -> None:
        self._key = _token_private_key(session, key_id)
        self._public = public

    def sign(self, data: bytes, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        """The DER ECDSA signature ``cryptography`` returns, made by C_Sign(CKM_ECDSA)."""
        algorithm = _algorithm_of(getattr(signature_algorithm, "algorithm", None))
        digest = hashlib.new(algorithm.name, data).digest()
        raw = bytes(self._key.sign(digest, mechanism=Mechanism.ECDSA))
        half = len(raw) // 2
        return utils.encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                          int.from_bytes(raw[half:], "big"))

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        _never_exported()

    def private_numbers(self) -> ec.EllipticCurvePrivateNumbers:
        _never_exported()

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        _never_exported()

    def __copy__(self) -> TokenECKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenECKey:
        return self  # a handle to the one key on the token: copies are the same key


def token_key(session: Any, key_id: bytes, public: Any) -> TokenRSAKey | TokenECKey:
    """The key with CKA_ID ``key_id`` on a logged-in ``session``, as a ``cryptography`` private
    key; ``public`` (the certificate's public key) gives its type and size."""
    if isinstance(public, rsa.RSAPublicKey):
        return TokenRSAKey(session, key_id, public)
    if isinstance(public, ec.EllipticCurvePublicKey):
        return TokenECKey(session, key_id, public)
    raise TypeError(say(f"loại khóa không được hỗ trợ: {type(public).__name__}",
                        f"unsupported key type: {type(public).__name__}"))


__all__ = ["TokenECKey", "TokenRSAKey", "token_key"]
