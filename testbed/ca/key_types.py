"""The key algorithms the testbed can generate, as the names a person types (``--key p256``).

Kept apart from :mod:`testbed.ca.keys` (which loads certomancer and cryptography to make and
cache keys) so that the command line can list the choices without loading either.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import parse_choice


class KeyType(StrEnum):
    """Key algorithms the testbed can generate."""

    RSA2048 = "rsa2048"
    RSA3072 = "rsa3072"
    RSA4096 = "rsa4096"
    P256 = "p256"
    P384 = "p384"
    RSA1024 = "rsa1024"
    """Too weak for TT15 Annex I 1.2; only for negative cases."""

    @classmethod
    def parse(cls, text: str, *, field: str = "key type") -> KeyType:
        return parse_choice(cls, text, field=field)


SERVICE_KEY_TYPES: tuple[KeyType, ...] = (KeyType.RSA2048, KeyType.RSA3072, KeyType.P256,
                                           KeyType.P384)
"""The keys an OCSP responder or a TSA may have (``kyso up --service-key``): what CAs deploy
today. RSA-4096 is left out (a responder signing per request with it is a slow outlier), and
RSA-1024 is only for negative cases of subscribers' certificates."""


__all__ = ["SERVICE_KEY_TYPES", "KeyType"]
