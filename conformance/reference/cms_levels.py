"""The CMS / CAdES levels the reference CMS signer produces (TT15/2025 Annex I rows 1.4, 1.7).

Kept apart from :mod:`conformance.reference.cms_signing` (which loads pyHanko, aiohttp and the
PKCS#11 bindings) so that a command line can list the levels without loading them.
"""

from __future__ import annotations

from enum import StrEnum

from testbed import parse_choice


class CmsLevel(StrEnum):
    """A plain CMS signature (RFC 5652), or a CAdES baseline level (ETSI EN 319 122-1).

    * ``CMS``: signed attributes content-type, message-digest, signing-time (and RFC 6211
      cms-algorithm-protection), no signing-certificate-v2: Annex I row 1.4;
    * ``B-B``: CAdES, with ESS signing-certificate-v2 binding the signer's certificate;
    * ``B-T``: B-B with a signature-time-stamp unsigned attribute from the CA's TSA;
    * ``B-LT``: B-T with the certificates, OCSP responses and CRLs of the signer's and the
      TSA's paths in SignedData (EN 319 122-1 5.5.1).

    B-LTA (archive-time-stamp-v3 with its ats-hash-index-v3) is not offered: pyHanko neither
    makes nor validates it for a CMS signature, and kyso does not hand-write CMS.
    """

    CMS = "CMS"
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"

    @classmethod
    def parse(cls, text: str, *, field: str = "--level") -> CmsLevel:
        return parse_choice(cls, text, field=field, normalise=str.upper)

    @property
    def cades(self) -> bool:
        """Whether the level is CAdES (signing-certificate-v2), not plain CMS."""
        return self is not CmsLevel.CMS

    @property
    def timestamped(self) -> bool:
        """Whether the level carries a signature timestamp (needs a TSA)."""
        return self in (CmsLevel.B_T, CmsLevel.B_LT)

    @property
    def label(self) -> str:
        """How the level is shown: ``CMS`` or ``CAdES B-T``."""
        return "CMS" if self is CmsLevel.CMS else f"CAdES {self.value}"


__all__ = ["CmsLevel"]
