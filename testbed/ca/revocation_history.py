"""A CA's long revocation history, recorded in bulk: what makes its next CRL 100,000 entries long.

The real công vụ CA has issued certificates in the hundreds of thousands, and revoked many of
them over the years (a change of post, a retirement, a lost token); a verifier meets CRLs of that
size. Issuing each of those certificates first (``kyso ca populate``) costs about a minute per
100,000; a scenario that only needs the CRL to be long should not pay it.

What is recorded, and why that is honest: a CRL entry is a serial, a revocation date, and the
entry's extensions (RFC 5280 5.1.2.6, 5.3), here the reason code and, for a key compromise, the
invalidity date. Nothing else of a revoked certificate ever reaches a CRL or an OCSP answer, so
the history holds exactly that, in the registry's ``revocation_history`` table, and the
certificates themselves (issued before the story, to people outside it) are never made. The
CRL and the OCSP responder both answer from it (:meth:`RegistryDatabase.revoked`,
:func:`testbed.ocsp_cache.registry_status_of`). What the testbed cannot do with these serials:
sign with them, show their holders, or hand out their certificates; no scenario needs to.
The registry's JSON export (``registry.json``) leaves the history out; the database holds
it.

Dates are spread evenly at random over the CA's life up to the given instant (the CA's own
certificate starts two years before the testbed: :data:`testbed.ca.lifecycle.AUTHORITY_BACKDATE`),
so every such certificate would still be within its validity (5 years in công vụ, ND68 Art. 9.2)
and RFC 5280 3.3 keeps it on the CRL. Serials are random 127-bit numbers, as
:func:`~testbed.ca.lifecycle.new_serial` draws them, from a seeded generator: the same seed gives
the same history. Reasons follow a plausible mix for a civil-service CA (most certificates are
superseded or end with a change of post; few keys are compromised).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from bilingual import say

from ..errors import InvalidInputError
from ..registry_db import RevokedRow
from ..registry_store import WorldStore
from .revocation_reasons import RevocationReason

MAX_HISTORY = 1_000_000
"""The most revocations one call records (a CRL of a million entries is about 40 MB)."""

_REASON_MIX = (
    (RevocationReason.SUPERSEDED, 40),
    (RevocationReason.AFFILIATION_CHANGED, 25),
    (RevocationReason.CESSATION_OF_OPERATION, 20),
    (RevocationReason.KEY_COMPROMISE, 5),
    (RevocationReason.PRIVILEGE_WITHDRAWN, 3),
    (RevocationReason.UNSPECIFIED, 7),
)
_INVALIDITY_BEFORE = timedelta(days=3)
"""A key compromise is reported within days: its invalidity date is up to this much earlier."""


@dataclass(frozen=True)
class RecordedHistory:
    """What :func:`record_revocation_history` did: the issuer, how many, over which span."""

    issuer: str
    revoked: int
    first: datetime
    last: datetime
    total: int
    """The issuer's whole history after this call (earlier calls included)."""
    seconds: float


def history_rows(count: int, seed: int, since: datetime, until: datetime) -> list[RevokedRow]:
    """``count`` revocations with seeded serials, dates evenly spread over [since, until] in
    whole seconds (RFC 5280 times have no fractions) and a plausible mix of reasons; in serial
    order (the database's index then grows at its end: half the insert time)."""
    rng = random.Random(f"revocation-history:{seed}")  # noqa: S311 (a made-up history)
    start, span = int(since.timestamp()), max(0, int((until - since).total_seconds()))
    reasons = rng.choices([reason.value for reason, _ in _REASON_MIX],
                          weights=[weight for _, weight in _REASON_MIX], k=count)
    raw = rng.randbytes(16 * count)  # one call: 127-bit serials as new_serial draws them
    window = _INVALIDITY_BEFORE.total_seconds()
    compromise = RevocationReason.KEY_COMPROMISE.value
    rows = []
    for index, reason in enumerate(reasons):
        revoked_at = float(start + int(rng.random() * (span + 1)))
        invalidity = (max(float(start), revoked_at - int(rng.random() * (window + 1)))
                      if reason == compromise else None)
        serial = int.from_bytes(raw[16 * index:16 * index + 16]) >> 1 | 1
        rows.append(RevokedRow(serial, revoked_at, reason, invalidity))
    rows.sort(key=lambda row: row.serial)
    return rows


def record_revocation_history(store: WorldStore, issuer: str, count: int, *, seed: int = 1,
                              since: datetime | None = None) -> RecordedHistory:
    """Record ``count`` past revocations of ``issuer`` (no certificates: see the module's
    docstring), dated from ``since`` (default: the CA certificate's notBefore) up to the
    testbed clock, in one transaction; the next CRL carries them."""
    if not 1 <= count <= MAX_HISTORY:
        raise InvalidInputError(say(
            f"lịch sử thu hồi: cần từ 1 đến {MAX_HISTORY:,} mục, không phải {count}",
            f"revocation history: needs 1 to {MAX_HISTORY:,} entries, not {count}"))
    started = time.perf_counter()
    with store.locked():
        state = store.load()
        authority = state.authority(issuer)
        if not authority.issues_subscribers:
            raise InvalidInputError(say(
                f"'{issuer}' không cấp chứng thư cho thuê bao: không có lịch sử thu hồi",
                f"'{issuer}' issues no subscriber certificates: it has no revocation history"))
        now = state.clock.clock().now().replace(microsecond=0)
        first = since or state.certificates[authority.certificate].not_before
        if first > now:
            raise InvalidInputError(say(
                "lịch sử thu hồi phải bắt đầu trước thời điểm của testbed",
                "a revocation history must start before the testbed instant"))
        rows = history_rows(count, seed, first, now)
        state.revision += 1
        store.database.write_history(
            issuer, rows, core=state.model_dump_json(exclude={"certificates", "subscribers"}),
            revision=state.revision)
        total = store.database.history_size(issuer)
    return RecordedHistory(issuer, count, first, now, total, time.perf_counter() - started)
