"""The oracle's entry points: a document and its trust roots in, one result per signature out.

Given a PDF, the trust roots, a validation time and options, :func:`validate_pdf` returns for
every signature and document timestamp a :class:`~conformance.oracle.model.SignatureResult`: the
ETSI EN 319 102-1 indication and sub-indication, the signer certificate, the signing time and
where it comes from, the revocation status and where it comes from, the integrity findings, the
algorithms, the PAdES level and a reason. :func:`validate_document` does the same for any
format that implements :class:`~conformance.oracle.formats.SignedDocument`.

pyHanko's synchronous APIs call ``asyncio.run``; this module runs its own event loop once per
document (:func:`validate_pdf`), with one explicit aiohttp session for every fetch, so it must
not be called from inside a running loop (use :func:`validate_pdf_async` there).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

import aiohttp
from asn1crypto import x509
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import FetchLimits

from conformance.oracle.descriptions import (
    algorithm_info,
    certificate_info,
    one_line,
    signature_format,
    signing_time,
)
from conformance.oracle.findings import Findings, SignatureContext
from conformance.oracle.formats import SignedDocument, UnparsableSignature
from conformance.oracle.model import (
    PADES_SUB_FILTER,
    TOO_DEEP,
    DocumentError,
    DocumentResult,
    OracleOptions,
    SignatureKind,
    SignatureResult,
    ValidationProcess,
)
from conformance.oracle.pdf import PdfDocument
from conformance.oracle.policy import ValidationSettings
from conformance.oracle.processes import run_signature, run_timestamp
from conformance.oracle.revocation import complete_revocation, revocation_info
from conformance.oracle.rules import ades_name, fold
from conformance.verdict import Indication, SubIndication
from testbed import wall_clock, whole_seconds

logger = logging.getLogger(__name__)


def validate_pdf(data: bytes, trust_roots: Sequence[x509.Certificate], *,
                 at: datetime | None = None,
                 options: OracleOptions | None = None) -> DocumentResult:
    """Validate every signature and document timestamp of ``data`` at ``at`` (default: now).

    Raises :class:`~conformance.oracle.model.DocumentError` when the file is not a readable
    PDF. Must not be called from a running event loop (pyHanko's own rule); see
    :func:`validate_pdf_async`.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("validate_pdf() runs its own event loop; inside a running loop "
                           "await validate_pdf_async() instead")
    return asyncio.run(validate_pdf_async(data, trust_roots, at=at, options=options))


async def validate_pdf_async(data: bytes, trust_roots: Sequence[x509.Certificate], *,
                             at: datetime | None = None,
                             options: OracleOptions | None = None) -> DocumentResult:
    """The same as :func:`validate_pdf`, for callers that already run an event loop."""
    options = options or OracleOptions()
    validation_time = whole_seconds(at) if at is not None else wall_clock()
    try:
        return await validate_document(PdfDocument(data), trust_roots,
                                       validation_time=validation_time, options=options)
    except RecursionError:  # pyHanko reads nested objects recursively: 600 "[" exhaust it
        raise DocumentError(TOO_DEEP) from None


async def validate_document(document: SignedDocument, trust_roots: Sequence[x509.Certificate],
                            *, validation_time: datetime,
                            options: OracleOptions) -> DocumentResult:
    """Validate every signature of an opened document, in any format, at ``validation_time``."""
    results: list[SignatureResult] = []
    # One explicit session for every OCSP, CRL and certificate fetch of this document; closed
    # here, whatever happens (pyHanko only closes sessions it created itself).
    async with aiohttp.ClientSession() as session:
        limits = FetchLimits() if options.fetch_issuer_certificates \
            else FetchLimits(max_cert_requests=0)
        backend = AIOHttpFetcherBackend(session=session,
                                        per_request_timeout=options.fetch_timeout,
                                        limits=limits)
        settings = ValidationSettings(trust_roots=list(trust_roots),
                                      validation_time=validation_time, options=options,
                                      backend=backend)
        for signature in document.signatures:
            results.append(await _validate_one(SignatureContext(settings, signature)))
    results.extend(_unparsable(broken, validation_time) for broken in document.unparsable)
    return DocumentResult(validation_time=validation_time, signatures=results)


def _unparsable(broken: UnparsableSignature, validation_time: datetime) -> SignatureResult:
    return SignatureResult(
        field_name=broken.field_name, kind=broken.kind, indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE, process=ValidationProcess.NONE,
        validation_time=validation_time, sub_filter=broken.sub_filter,
        signature_format=signature_format(broken.kind, broken.sub_filter, None),
        reason=f"the signature field holds no signature that can be parsed ({broken.error})")


async def _run_processes(context: SignatureContext, findings: Findings) -> None:
    """Evaluate integrity, then run the AdES process; any failure is a format error."""
    signature = context.signature
    try:
        findings.integrity = signature.integrity()
    except Exception as error:  # noqa: BLE001 (any parse failure of one signature is its verdict)
        findings.format_error = f"cannot evaluate the signature's integrity: {one_line(error)}"
        return
    try:
        if signature.kind is SignatureKind.DOCUMENT_TIMESTAMP:
            await run_timestamp(context, findings)
        else:
            await run_signature(context, findings)
            await complete_revocation(context, findings)
    except Exception as error:  # noqa: BLE001
        # pyHanko raising instead of answering is a format problem of this signature (e.g. a
        # CMS structure it cannot process): it must never pass, and never crash the verifier.
        logger.debug("pyHanko raised", exc_info=error)
        findings.format_error = f"the validator could not process it: {one_line(error)}"


async def _validate_one(context: SignatureContext) -> SignatureResult:
    started = time.perf_counter()
    signature = context.signature
    findings = Findings()
    kind = signature.kind
    await _run_processes(context, findings)
    indication, sub_indication, reason = fold(context, findings)
    signer = certificate_info(signature.signer_certificate) if signature.has_signer else None
    sub_filter = signature.sub_filter
    # the level is what the signature carries; it is a PAdES baseline level only in a PAdES
    # signature (a CMS signature with a timestamp is not PAdES B-T)
    level = findings.level if sub_filter == PADES_SUB_FILTER else None
    return SignatureResult(
        field_name=signature.field_name, kind=kind,
        indication=indication, sub_indication=sub_indication, reason=reason,
        pades_level=level, carried_level=findings.level, sub_filter=sub_filter,
        signature_format=signature_format(kind, sub_filter, findings.level),
        process=findings.process,
        validation_time=context.settings.validation_time, signer=signer,
        signing_time=signing_time(signature),
        revocation=revocation_info(signature, findings, sub_indication),
        integrity=findings.integrity, algorithm=algorithm_info(signature),
        pyhanko_sub_indication=ades_name(findings.ades),
        seconds=round(time.perf_counter() - started, 3),
    )
