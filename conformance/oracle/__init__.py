"""The oracle: the one place in kyso that calls pyHanko's validators.

Given a document, the trust roots, a validation time and options, :func:`validate_pdf` returns
for every signature and document timestamp a :class:`SignatureResult` with the ETSI EN 319 102-1
indication and sub-indication and what a person is shown about it; the signer's pre-signing
certificate check is validated here too (:func:`async_validate_signing_certificate`). One
concept per module:

* :mod:`.model`: the result model (no validator in it);
* :mod:`.formats`: the seam a file format implements; :mod:`.pdf`: PDF (PAdES);
* :mod:`.cms`: a detached or enveloping CMS / CAdES signature over any file (``.p7s``),
  :mod:`.cms_validation` its entry point (:func:`~.cms_validation.validate_cms`), and
  :mod:`.cms_validation_data` the validation data a CAdES B-LT signature carries;
* :mod:`.policy`: trust, revocation and key-usage settings, the pinned validation clock;
* :mod:`.processes`: which EN 319 102-1 process runs, and running it; :mod:`.past_clock`:
  pyHanko's past validation started at the validation time, not the wall clock;
* :mod:`.passes`: where the validation data come from and when they are judged: what the
  document carries first (at the validation time, then at the best signature time), online
  only where that falls short and the policy allows it, and definite failures before TRY_LATER;
* :mod:`.embedded`: the validation data a PDF carries (DSS/VRI, revocation-info-archival);
* :mod:`.revocation`: revocation sources, and our own check where pyHanko has none;
* :mod:`.algorithms`: the cryptographic constraints of TT15 Annex I;
* :mod:`.rules`: the verdict rules, one named function each, in one ordered table;
* :mod:`.descriptions`: names, certificates, signing times, algorithms as shown;
* :mod:`.validation`: the entry points; :mod:`.findings`: what the rules read;
* :mod:`.certificate`, :mod:`.fetchers`: the signer's certificate check, patient fetchers;
* :mod:`.timestamps`: signature timestamp tokens in a CMS signer info;
* :mod:`.validation_data`: gathering a signature's validation data into the DSS (B-LT), for
  ``kyso extend``.

Outside this package nothing imports ``pyhanko.sign.validation`` or validates a certificate
path (``tests/test_architecture.py`` holds that door).
"""

from pyhanko.sign.validation.settings import KeyUsageConstraints

from conformance.oracle.certificate import (
    FETCH_TIMEOUT_SECONDS,
    SIGNER_KEY_USAGE,
    CertificateFinding,
    CheckOutcome,
    Problem,
    async_validate_signing_certificate,
)
from conformance.oracle.fetchers import patient_fetchers
from conformance.oracle.model import (
    CMS_SUB_FILTERS,
    PADES_SUB_FILTER,
    AlgorithmInfo,
    CertificateInfo,
    DocumentError,
    DocumentResult,
    IntegrityInfo,
    OracleOptions,
    PadesLevel,
    RevocationInfo,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureResult,
    SigningTime,
    TimeSource,
    ValidationProcess,
)
from conformance.oracle.pdf import open_pdf
from conformance.oracle.policy import load_certificates
from conformance.oracle.timestamps import first_signature_timestamp, signature_timestamp_tokens
from conformance.oracle.validation import validate_document, validate_pdf, validate_pdf_async
from conformance.oracle.validation_data import (
    ContextAt,
    ValidationDataError,
    embed_validation_data,
)

__all__ = [
    "CMS_SUB_FILTERS",
    "FETCH_TIMEOUT_SECONDS",
    "PADES_SUB_FILTER",
    "SIGNER_KEY_USAGE",
    "AlgorithmInfo",
    "CertificateFinding",
    "ContextAt",
    "CertificateInfo",
    "CheckOutcome",
    "DocumentError",
    "DocumentResult",
    "IntegrityInfo",
    "KeyUsageConstraints",
    "OracleOptions",
    "PadesLevel",
    "Problem",
    "RevocationInfo",
    "RevocationSource",
    "RevocationStatus",
    "SignatureKind",
    "SignatureResult",
    "SigningTime",
    "TimeSource",
    "ValidationDataError",
    "ValidationProcess",
    "async_validate_signing_certificate",
    "embed_validation_data",
    "first_signature_timestamp",
    "load_certificates",
    "open_pdf",
    "patient_fetchers",
    "signature_timestamp_tokens",
    "validate_document",
    "validate_pdf",
    "validate_pdf_async",
]
