"""The seam between the oracle and a file format: what it needs from a document and a signature.

The AdES processes (:mod:`.processes`), the revocation check (:mod:`.revocation`), the verdict
rules (:mod:`.rules`) and the descriptions (:mod:`.descriptions`) read a signature only through
:class:`DocumentSignature`, and the entry point (:mod:`.validation`) reads a document only
through :class:`SignedDocument`. A format is one module that opens its files and implements the
two protocols: :mod:`.pdf` now (PAdES); detached CMS and XML next, each in a module of its own,
without a branch in any rule. The CMS structures (``signed_data``, ``signer_info``) are part of
the seam because every format pyHanko validates carries one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from asn1crypto import cms, x509
from pyhanko.sign.validation.ades import AdESLTAValidationResult
from pyhanko.sign.validation.policy_decl import SignatureValidationSpec
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from conformance.oracle.embedded import CarriedData
from conformance.oracle.model import IntegrityInfo, SignatureKind


def revocation_data_digest(data: bytes) -> bytes:
    """How an OCSP response or CRL (DER) is recognised as the one a document embeds: SHA-256."""
    return hashlib.sha256(data).digest()


class UnparsableSignature(NamedTuple):
    """A filled signature field whose signature cannot even be opened."""

    field_name: str | None
    kind: SignatureKind
    error: str
    """Why, in one line."""
    sub_filter: str | None = None
    """The format the field declares (its /SubFilter without the slash), None when absent."""


class DocumentSignature(Protocol):
    """One signature or document timestamp, as its file format presents it."""

    @property
    def field_name(self) -> str | None:
        """Where the signature sits (a PDF field name), None when that cannot be read."""

    @property
    def kind(self) -> SignatureKind:
        """A signature, or a document timestamp (whose CMS is itself a timestamp token)."""

    @property
    def sub_filter(self) -> str | None:
        """The format the signature declares of itself (a PDF /SubFilter without its slash),
        None when it declares none."""

    @property
    def signed_data(self) -> cms.SignedData:
        """The CMS SignedData of the signature."""

    @property
    def signer_info(self) -> cms.SignerInfo:
        """The one SignerInfo of :attr:`signed_data`."""

    @property
    def signer_certificate(self) -> x509.Certificate:
        """The signer's certificate; raises when the CMS does not carry it."""

    @property
    def has_signer(self) -> bool:
        """Whether :attr:`signer_certificate` can be read."""

    @property
    def other_certificates(self) -> Sequence[x509.Certificate]:
        """The other certificates the signature carries (usually the chain)."""

    @property
    def claimed_signing_time(self) -> datetime | None:
        """The signer's own claim of the signing time (no proof), None when absent."""

    @property
    def signature_timestamp(self) -> cms.SignedData | None:
        """The first signature timestamp token, None when the signature carries none."""

    @property
    def proven_time(self) -> datetime | None:
        """The time the signature timestamp proves (its genTime), None without one."""

    @property
    def carries_validation_data(self) -> bool:
        """Whether the document carries validation data for the long term (B-LT)."""

    @property
    def has_archive_timestamp(self) -> bool:
        """Whether a later archive timestamp covers the signature (B-LTA)."""

    @property
    def latest_archive_timestamp(self) -> DocumentSignature | None:
        """The newest archive (document) timestamp of the document, None without one: the
        anchor of the evidence record past validation rests on."""

    @property
    def status_class(self) -> type[StandardCMSSignatureStatus]:
        """pyHanko's status class for this format's signatures."""

    def status_details(self) -> dict[str, object]:
        """Format-specific fields of :attr:`status_class` (for the validation with time)."""

    def compute_digest(self, algorithm: str | None = None) -> bytes:
        """The digest of the signed content (with the signature's own algorithm by default)."""

    def integrity(self) -> IntegrityInfo:
        """Digest check, coverage and later changes; raises when they cannot be evaluated."""

    @property
    def carried_data(self) -> CarriedData:
        """The validation data the document carries for this signature (certificates, OCSP
        responses, CRLs), used before anything is fetched online."""

    def embedded_revocation_digests(self) -> set[bytes]:
        """:func:`revocation_data_digest` of each OCSP response and CRL the document carries."""

    async def long_term_validation(self, spec: SignatureValidationSpec,
                                   timing: ValidationTimingInfo) -> AdESLTAValidationResult:
        """EN 319 102-1 5.6.3 (past validation with the archive timestamps as evidence)."""


class SignedDocument(Protocol):
    """One opened document: its signatures in signing order, and the fields holding none."""

    @property
    def signatures(self) -> Sequence[DocumentSignature]:
        """Every signature and document timestamp that could be opened, in signing order."""

    @property
    def unparsable(self) -> Sequence[UnparsableSignature]:
        """Filled signature fields whose signature cannot be opened, after the others."""
