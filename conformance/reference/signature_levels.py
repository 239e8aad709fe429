"""The PAdES baseline levels the reference signer produces (``kyso sign --level B-LT``).

Kept apart from :mod:`conformance.reference.signer` (which loads pyHanko, aiohttp and the
PKCS#11 bindings) so that the command line can list the levels without loading them.
"""

from __future__ import annotations

from enum import StrEnum

from testbed import parse_choice


class SignatureLevel(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @classmethod
    def parse(cls, text: str, *, field: str = "--level") -> SignatureLevel:
        return parse_choice(cls, text, field=field, normalise=str.upper)


__all__ = ["SignatureLevel"]
