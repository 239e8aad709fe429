"""Which certificate status the OCSP responder reads, and which signed answers it may re-serve.

:func:`registry_status_of` is the one place the responder reads the registry: a serial and an
instant in, a :class:`~testbed.ocsp_responses.CertStatus` out. A new registry only has to
provide the same function.

:class:`OCSPResponseCache` keeps pre-produced responses to requests without a nonce (RFC 5019
2.2 allows them). An entry is served again only while *all* of these hold, and each is a
test (``tests/testbed/test_ocsp_cache.py``):

- the registry revision is the one it was made at (any revocation, issuance, clock move or
  service-mode change is a new revision, even when made by another process);
- the service mode is the same (explicit, although a mode change is also a new revision);
- the testbed instant is not before the response's ``producedAt`` (a clock moved back) and is
  less than :data:`REFRESH` after it (a clock that follows the wall clock gets a fresh
  ``thisUpdate`` at least that often, well inside the response's validity);
- the instant is before the first moment the answer would change by itself (a certificate
  issued, or a revocation dated, in the testbed's future).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from .ocsp_responses import Answer, CertStatus, StatusOf
from .registry_db import RevokedRow
from .service_modes import ServiceMode
from .world import CertificateRecord

REFRESH = timedelta(seconds=60)
"""The longest a cached response is re-served on a moving testbed clock."""
CACHE_SIZE = 4096
"""Cached responses kept (least recently used dropped first)."""


class IssuedCertificates(Protocol):
    """One CA's issued certificates, looked up by serial (the registry's rows for it). It may
    also have ``history(serial) -> RevokedRow | None``: the CA's revocation history."""

    def get(self, serial: int) -> CertificateRecord | None: ...


def registry_status_of(issued: IssuedCertificates) -> StatusOf:
    """The status lookup over one CA's issued certificates (by serial)."""

    history = getattr(issued, "history", None)

    def status_of(serial: int, at: datetime) -> CertStatus:
        record = issued.get(serial)
        if record is None:
            return _history_status(history(serial) if history else None, at)
        if record.issued_at > at:  # not yet issued at the testbed instant: RFC 6960 'unknown'
            return CertStatus("unknown", until=record.issued_at)
        revocation = record.revocation
        if revocation is None:
            return CertStatus("good")
        if revocation.revoked_at > at:
            return CertStatus("good", until=revocation.revoked_at)
        return CertStatus("revoked", revoked_at=revocation.revoked_at,
                          reason=revocation.reason.value,
                          invalidity_date=revocation.invalidity_date)

    return status_of


def _history_status(revoked: RevokedRow | None, at: datetime) -> CertStatus:
    """A serial the registry holds no certificate for: revoked when the CA's revocation
    history (:mod:`testbed.ca.revocation_history`) says so, as of ``at``; else unknown."""
    if revoked is None:
        return CertStatus("unknown")
    revoked_at = datetime.fromtimestamp(revoked.revoked_at, UTC)
    if revoked_at > at:
        return CertStatus("unknown", until=revoked_at)
    return CertStatus("revoked", revoked_at=revoked_at, reason=revoked.reason,
                      invalidity_date=None if revoked.invalidity_at is None
                      else datetime.fromtimestamp(revoked.invalidity_at, UTC))


def unknown_status_of(serial: int, at: datetime) -> CertStatus:
    """Service mode ``unknown``: a responder that knows none of its CA's certificates."""
    return CertStatus("unknown")


@dataclass(frozen=True)
class _Entry:
    der: bytes
    revision: int
    mode: ServiceMode
    produced_at: datetime
    until: datetime

    def serves(self, revision: int, mode: ServiceMode, now: datetime) -> bool:
        return revision == self.revision and mode is self.mode \
            and self.produced_at <= now < self.until


class OCSPResponseCache:
    """Pre-produced OCSP responses by (authority, request without nonce); see the module."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bytes], revision: int, mode: ServiceMode,
            now: datetime) -> bytes | None:
        """The cached response for ``key`` if it is still the right answer, else ``None``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if not entry.serves(revision, mode, now):
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry.der

    def put(self, key: tuple[str, bytes], revision: int, mode: ServiceMode, now: datetime,
            answer: Answer) -> None:
        """Keep ``answer`` (produced at ``now``) until the first of the module's conditions."""
        until = now + REFRESH
        if answer.until is not None:
            until = min(until, answer.until)
        with self._lock:
            self._entries[key] = _Entry(answer.der, revision, mode, now, until)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


__all__ = ["CACHE_SIZE", "REFRESH", "OCSPResponseCache", "registry_status_of",
           "unknown_status_of"]
