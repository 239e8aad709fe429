"""What the oracle learns about one signature on the way, before the rules fold it into a verdict.

:class:`SignatureContext` is what a signature is judged in (the document's settings and the
signature, through the format seam); :class:`Findings` collects pyHanko's AdES answer, the
integrity evaluation, format errors and our own revocation check as the processes run. The
verdict rules (:mod:`.rules`) read both and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import crl, ocsp
from pyhanko.sign.ades.report import AdESSubIndic
from pyhanko.sign.validation.status import SignatureStatus
from pyhanko_certvalidator.ltv.poe import ValidationObject

from conformance.oracle.embedded import CarriedData
from conformance.oracle.formats import DocumentSignature
from conformance.oracle.model import (
    IntegrityInfo,
    PadesLevel,
    RevocationStatus,
    ValidationProcess,
)
from conformance.oracle.policy import ValidationSettings


@dataclass(frozen=True)
class SignatureContext:
    """One signature under validation, and the settings of its document."""

    settings: ValidationSettings
    signature: DocumentSignature

    @property
    def carried(self) -> CarriedData:
        """The validation data the document carries, as far as the policy reads them
        (:attr:`OracleOptions.read_document_validation_data`)."""
        if not self.settings.options.read_document_validation_data:
            return CarriedData()
        return self.signature.carried_data


@dataclass
class OwnRevocationCheck:
    """Our own revocation check of the signer at the proven signing time (see
    :func:`conformance.oracle.revocation.complete_revocation`)."""

    status: RevocationStatus
    ocsp_responses: list[ocsp.OCSPResponse]
    crls: list[crl.CertificateList]
    revoked_at: datetime | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass
class Findings:
    """What we learn on the way, before the verdict is folded."""

    process: ValidationProcess = ValidationProcess.NONE
    level: PadesLevel | None = None
    ades: AdESSubIndic | None = None
    """pyHanko's AdES sub-indication (its PASSED, FAILED or INDETERMINATE family)."""
    failure_message: str | None = None
    status: SignatureStatus | None = None
    """pyHanko's own status object of the AdES result."""
    validation_objects: list[ValidationObject] = field(default_factory=list)
    integrity: IntegrityInfo | None = None
    format_error: str | None = None
    notes: list[str] = field(default_factory=list)
    own_check: OwnRevocationCheck | None = None
    data_source: str | None = None
    """How the answer kept was reached: the document's own data (at which time), online, or
    a failure independent of revocation data (:mod:`.passes`)."""
