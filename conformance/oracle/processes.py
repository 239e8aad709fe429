"""Choosing and running the EN 319 102-1 process for one signature, as pyHanko implements it.

How the time is got right (stack notes, "pyHanko AdES validation that gets the time right"):
one :class:`ValidationTimingInfo` pinned at the validation instant, pyHanko's proof-of-existence
clock pinned there too (:meth:`~conformance.oracle.policy.ValidationSettings.handlers`), and the
process chosen per signature from what it carries:

* neither a signature timestamp nor a document timestamp (B-B): ``ades_basic_validation`` (no
  proof of existence: the certificate is judged at the validation time);
* a signature timestamp (B-T, B-LT): ``ades_with_time_validation`` with the format's integrity
  information, so the timestamp is the proof of existence of the signature;
* a signature timestamp and an archive (document) timestamp in a later revision (B-LTA): the
  validation with time first; when it does not pass, the format's long-term validation (past
  validation with the document timestamps as evidence record). EN 319 102-1 5.6.3.4 ends the
  long-term process with PASSED when the validation with time passed, and pyHanko's past
  validation run on a passing B-LTA turns it into NO_POE on this testbed (see
  :func:`run_signature`).

``ades_lta_validation`` is not used for everything because, measured, it returns
SIG_CONSTRAINTS_FAILURE without a signature timestamp and NO_POE without a document timestamp.
A document timestamp itself goes through ``ades_timestamp_validation`` (5.4).

Each process runs over the passes of :mod:`.passes`: the document's own validation data at the
validation time, then at the time the timestamp proves, online only when those fall short and the
policy allows it, with a probe without revocation checking so that a definite failure is never
reported as TRY_LATER.
"""

from __future__ import annotations

from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.policy_decl import SignatureValidationSpec
from pyhanko_certvalidator.context import ValidationDataHandlers
from pyhanko_certvalidator.errors import CertificateFetchError, CRLFetchError, OCSPFetchError
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from conformance.oracle.descriptions import one_line
from conformance.oracle.findings import Findings, SignatureContext
from conformance.oracle.formats import DocumentSignature
from conformance.oracle.model import PadesLevel, ValidationProcess
from conformance.oracle.passes import PassAnswer, first_sufficient
from conformance.oracle.timestamps import generation_time


def detect_level(signature: DocumentSignature) -> PadesLevel:
    """B-T needs a signature timestamp; B-LT validation data (a DSS) as well; B-LTA an archive
    timestamp (a document timestamp in a later revision than the signature)."""
    if signature.signature_timestamp is None:
        return PadesLevel.B_B
    if not signature.carries_validation_data:
        return PadesLevel.B_T
    return PadesLevel.B_LTA if signature.has_archive_timestamp else PadesLevel.B_LT


async def run_signature(context: SignatureContext, findings: Findings) -> None:
    """Run the process the signature's level calls for, over the passes of :mod:`.passes`
    (the document's own data first), and record pyHanko's answer."""
    signature = context.signature
    findings.level = detect_level(signature)
    digest = signature.compute_digest()
    if findings.level is PadesLevel.B_B:
        # B-B: no proof of existence, the certificate is judged at the validation time. No
        # status_cls/extra_status_kwargs here: they raise TypeError on the success path.
        findings.process = ValidationProcess.BASIC

        async def basic(spec: SignatureValidationSpec, timing: ValidationTimingInfo,
                        handlers: ValidationDataHandlers) -> ades.AdESBasicValidationResult:
            return await ades.ades_basic_validation(
                signature.signed_data, spec, timing_info=timing, raw_digest=digest,
                validation_data_handlers=handlers)

        _record(findings, await first_sufficient(context, basic, None))
        return
    # B-T / B-LT, and the first step of B-LTA: validation with time (EN 319 102-1 5.5), the
    # signature timestamp being the proof of existence of the signature.
    findings.process = ValidationProcess.WITH_TIME

    async def with_time(spec: SignatureValidationSpec, timing: ValidationTimingInfo,
                        handlers: ValidationDataHandlers) -> ades.AdESBasicValidationResult:
        return await ades.ades_with_time_validation(
            signature.signed_data, spec, timing_info=timing, raw_digest=digest,
            validation_data_handlers=handlers,
            extra_status_kwargs=signature.status_details(), status_cls=signature.status_class)

    answer = await first_sufficient(context, with_time, signature.proven_time)
    options = context.settings.options
    if signature.has_archive_timestamp and options.archive_timestamps:
        findings.process = ValidationProcess.LONG_TERM
        # pyHanko's past validation reads the DSS itself: a policy that ignores the
        # document's validation data cannot run it
        if answer.result.ades_subindic.status is not AdESStatus.PASSED \
                and options.read_document_validation_data:
            answer = await _past_validation(context, findings, answer)
    _record(findings, answer)


async def _past_validation(context: SignatureContext, findings: Findings,
                           with_time: PassAnswer) -> PassAnswer:
    """B-LTA whose validation with time did not pass (e.g. the TSA certificate has expired or
    been revoked since): pyHanko's past validation with the document timestamps as evidence
    record (5.6.3). EN 319 102-1 5.6.3.4 ends the long-term process with PASSED when the
    validation with time passed, so it only runs here.

    Measured on the testbed: pyHanko's past validation starts from the wall clock
    (past_validate(init_control_time=None)) and asks revocation data for a root that signs its
    own OCSP responses and CRLs, so run on a PASSED B-LTA it turns PASSED into NO_POE. When it
    cannot improve the result, keep the result with time: it names the real problem (e.g.
    REVOKED_NO_POE), not the artefact. It reads the DSS itself; it runs once on that alone,
    then fetching online when the policy allows it (pyHanko ignores local OCSP responses when
    it may fetch).
    """
    settings = context.settings
    tried: list[str] = []
    for online in (False, True) if settings.options.fetch_revocation_online else (False,):
        try:
            long_term = await context.signature.long_term_validation(
                settings.spec(online=online), settings.timing())
        except (OCSPFetchError, CRLFetchError, CertificateFetchError) as error:
            # pyHanko's past validation lets a fetch failure escape instead of answering
            tried.append(f"could not fetch ({one_line(error)})")
            continue
        status = long_term.ades_subindic.status
        if status is AdESStatus.PASSED and not await _anchored(context, findings):
            return with_time
        if status is AdESStatus.PASSED or status is AdESStatus.FAILED:
            return PassAnswer(long_term, "by past signature validation with the document "
                              "timestamps as evidence record")
        tried.append(long_term.ades_subindic.name)
    findings.notes.append("past validation with the document timestamps did not improve the "
                          f"result ({'; '.join(tried)})")
    return with_time


async def _anchored(context: SignatureContext, findings: Findings) -> bool:
    """Whether the newest archive timestamp validates at the validation time (EN 319 102-1
    5.6.3.4: nothing later proves it existed, so it must hold now; an archive renews it before
    its TSA certificate expires). pyHanko's past validation is not relied on for this: inside
    it the proofs of existence of the newest timestamp are dated by the wall clock (a
    ``POEManager()`` of its own, :mod:`.past_clock`), which on the testbed lies years before
    the validation time and would let a timestamp whose TSA certificate expired long ago
    anchor the record."""
    latest = context.signature.latest_archive_timestamp
    if latest is None:
        return False
    stamp = Findings()
    await run_timestamp(SignatureContext(context.settings, latest), stamp)
    if stamp.ades is not None and stamp.ades.status is AdESStatus.PASSED:
        return True
    findings.notes.append("past validation with the document timestamps is not anchored: the "
                          "newest archive timestamp does not validate at the validation time "
                          f"({stamp.ades.name if stamp.ades else 'no answer'}); it was not renewed "
                          "before its TSA certificate expired")
    return False


async def run_timestamp(context: SignatureContext, findings: Findings) -> None:
    """Validate a document timestamp (EN 319 102-1 5.4) against the document's digest, over
    the passes of :mod:`.passes`; its own genTime is its best signature time."""
    signature = context.signature
    findings.process = ValidationProcess.TIMESTAMP

    def imprint(algorithm: str) -> bytes:
        return bytes(signature.compute_digest(algorithm))

    async def timestamp(spec: SignatureValidationSpec, timing: ValidationTimingInfo,
                        handlers: ValidationDataHandlers) -> ades.AdESBasicValidationResult:
        return await ades.ades_timestamp_validation(
            signature.signed_data, spec, imprint, timing_info=timing,
            validation_data_handlers=handlers)

    # the token's own genTime is the time its revocation data must be fresh for: what the
    # TSA asserts and its signature, validated in the pass, vouches for
    _record(findings, await first_sufficient(context, timestamp,
                                             generation_time(signature.signed_data)))


def _record(findings: Findings, answer: PassAnswer) -> None:
    result = answer.result
    findings.ades = result.ades_subindic
    findings.failure_message = result.failure_msg
    findings.status = result.api_status
    findings.validation_objects = list(result.validation_objects)
    findings.data_source = answer.how
