"""The signature formats of the contract, in a module of their own: the requests
(:mod:`.roles`) carry one, and the python adapter's worker builds requests without importing
pydantic (:mod:`conformance.sut.process.worker_order`), so this vocabulary imports nothing."""

from __future__ import annotations

from enum import StrEnum


class SignatureFormat(StrEnum):
    """The signature formats of TT15/2025 Annex I (rows 1.4–1.7) a program signs or verifies.

    ``xmldsig`` is plain enveloped XML-DSig as Vietnamese e-invoice software produces it (the
    signing time in a SignatureProperty), judged as what it is, not as XAdES. A scenario says
    which formats its story applies to; the input's kind follows: a PDF for ``pades``, an XML
    document for ``xades`` / ``xmldsig``, any file (signed detached, ``.p7s``) for ``cades`` /
    ``cms``."""

    PADES = "pades"
    """PDF, ETSI EN 319 142 (Annex I row 1.5)."""
    XADES = "xades"
    """XML, ETSI EN 319 132 (row 1.6)."""
    XMLDSIG = "xmldsig"
    """Plain enveloped XML-DSig (W3C), the e-invoice form."""
    CADES = "cades"
    """CMS, ETSI EN 319 122 (row 1.7)."""
    CMS = "cms"
    """Plain CMS / PKCS#7 (row 1.4)."""

    @property
    def detached(self) -> bool:
        """True when the signature is a file of its own beside the signed content."""
        return self in (SignatureFormat.CADES, SignatureFormat.CMS)
