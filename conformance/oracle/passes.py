"""Where the validation data come from, and at which time they are judged: what the document
carries first, online fetching only where that falls short and the policy allows it.

A B-LT or B-LTA document carries the OCSP responses and CRLs of its signing time (DSS/VRI, the
CMS); ten years later nobody answers at the URLs in the certificates. EN 319 102-1 judges such a
signature at the time a timestamp proves (best-signature-time), and EU DSS's validation policies
express revocation freshness relative to that time (RevocationFreshness), not to the wall clock.
One run of a pyHanko AdES process (basic, with time, timestamp) is a *pass*;
:func:`first_sufficient` runs them in this order and keeps the first answer that does not say
"revocation data missing" (:func:`falls_short`):

1. the document's own data, at the validation time;
2. when they fall short and a timestamp proves an earlier time: the same process *without
   revocation checking* at the validation time (a *probe*). A failure it finds (an expired
   certificate without proof of existence, a key usage, no path, a timestamp whose TSA
   certificate has expired) does not depend on revocation data: it is the answer, never
   TRY_LATER. When it passes,
3. the document's own data at the best signature time: the certificates' validity and the
   revocation data's freshness judged there (pyHanko's point-in-time validation with
   ``MAX_DIFF_REVOCATION_VALIDATION``, which is EU DSS's freshness rule at that time);
4. online (OCSP, CRL) at the validation time, when the policy allows it;
5. the probe (run now if it was not), so that a definite failure still wins over TRY_LATER;
   else the answer of pass 4, or of pass 1 offline.

pyHanko's own past signature validation (``ades_lta_validation``) is not the first choice
because, measured on the testbed with every service stopped, it answers NO_POE for a valid
B-LT and B-LTA: ``past_validate`` starts its control time at the wall clock
(``init_control_time=None``) and a certificate without a registered proof of existence gets a
POE a few microseconds *later* than that, so the time slide rejects the intermediate CA
("No proof of existence available for certificate ... at control time"). It still runs for a
B-LTA that none of these passes validates (:mod:`.processes`), with that control time at the
validation time (:mod:`.past_clock`) and only when the newest archive timestamp holds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from pyhanko.sign.ades.report import AdESIndeterminate, AdESStatus
from pyhanko.sign.validation.ades import AdESBasicValidationResult
from pyhanko.sign.validation.policy_decl import LocalKnowledge, SignatureValidationSpec
from pyhanko_certvalidator.context import ValidationDataHandlers
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo

from conformance.oracle.findings import SignatureContext

Run = Callable[[SignatureValidationSpec, ValidationTimingInfo, ValidationDataHandlers],
               Awaitable[AdESBasicValidationResult]]
"""One AdES process of pyHanko, given the spec, timing and data handlers of a pass."""

_SHORT = frozenset({AdESIndeterminate.TRY_LATER,
                    AdESIndeterminate.CERTIFICATE_CHAIN_GENERAL_FAILURE})
"""What pyHanko answers when revocation data are missing (InsufficientRevinfoError is a
chain failure to it) or not fresh enough (TRY_LATER)."""


@dataclass(frozen=True)
class PassAnswer:
    """The answer kept, and how it was reached (for the reason a person reads)."""

    result: AdESBasicValidationResult
    how: str


def falls_short(result: AdESBasicValidationResult) -> bool:
    """Whether the answer only says that revocation data were missing or stale."""
    return result.ades_subindic in _SHORT


async def first_sufficient(context: SignatureContext, run: Run,
                           proven: datetime | None) -> PassAnswer:
    """The first sufficient answer of the passes in the module's order; ``proven`` is the time
    a timestamp proves (None without one: no pass at an earlier time)."""
    settings = context.settings
    carried = context.carried
    now = settings.validation_time
    local = await _pass(context, run, now, carried.knowledge(), online=False)
    if not falls_short(local):
        return PassAnswer(local, "with the validation data the document carries")
    probe = None
    if proven is not None and proven < now and carried.has_revocation_data:
        probe = await _probe(context, run)
        if probe.ades_subindic.status is not AdESStatus.PASSED:
            return _definite(probe)
        past = await _pass(context, run, proven, carried.knowledge(), online=False)
        if not falls_short(past):
            return PassAnswer(past, "with the validation data the document carries, judged "
                              f"at the time its timestamp proves ({proven.isoformat()})")
    online = None
    if settings.options.fetch_revocation_online:
        online = await _pass(context, run, now, None, online=True)
        if not falls_short(online):
            return PassAnswer(online, "with revocation data fetched online")
    probe = probe or await _probe(context, run)
    if probe.ades_subindic.status is not AdESStatus.PASSED:
        return _definite(probe)
    if online is not None:
        return PassAnswer(online, "with revocation data fetched online")
    return PassAnswer(local, "with the validation data the document carries (online fetching "
                      "is not allowed by the policy)")


def _definite(probe: AdESBasicValidationResult) -> PassAnswer:
    return PassAnswer(probe, "a failure that does not depend on revocation data")


async def _probe(context: SignatureContext, run: Run) -> AdESBasicValidationResult:
    """Pass 2: path, validity, key usage and timestamps at the validation time, no revocation."""
    return await _pass(context, run, context.settings.validation_time,
                       context.carried.knowledge(), online=False,
                       check_revocation=False)


async def _pass(context: SignatureContext, run: Run, at: datetime,
                carried: LocalKnowledge | None, *, online: bool,
                check_revocation: bool = True) -> AdESBasicValidationResult:
    settings = context.settings
    spec = settings.spec(carried=carried, online=online, check_revocation=check_revocation)
    return await run(spec, settings.timing(at), settings.handlers(spec, at))
