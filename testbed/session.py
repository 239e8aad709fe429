"""A testbed: its directory, its registry, its services on 127.0.0.1, and its lifecycle API.

``Testbed.create`` binds the port first (certificates carry the real URLs), builds the hierarchy
and writes the registry; ``Testbed.open`` re-opens an existing directory. ``serve()`` starts the
services in a background thread; ``with testbed:`` does the same and stops them on exit.
:func:`running_testbed` is the one-call form the tests use: a fresh, isolated testbed in a
directory, on an ephemeral port.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from bilingual import say

from .ca.certomancer_bridge import service_urls
from .ca.key_types import KeyType
from .ca.lifecycle import Lifecycle
from .clock import Clock
from .errors import InvalidInputError, ServiceError
from .service_modes import ServiceMode
from .services import LiveServices, ServiceThread, bind_loopback
from .token_lifecycle import TokenLifecycle
from .tsa_log import TimestampLogEntry, read_entries
from .world import (
    CertificateRecord,
    ServiceBehaviour,
    WorldState,
)

TRUST_DIR = "trust"


class Testbed:
    """One simulated PKI in one directory."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path, listener: socket.socket | None = None) -> None:
        self.directory = directory
        self.lifecycle = Lifecycle(directory)
        self.tokens = TokenLifecycle(directory, self.lifecycle)
        """Subscribers' tokens: create, lose, lock, restore, return (ND68 Art. 20–22)."""
        self._listener = listener
        self._thread: ServiceThread | None = None

    # ---- creation ------------------------------------------------------------------------------
    @classmethod
    def create(cls, directory: Path, *, port: int = 0, at: datetime | None = None,
               follow_wall_clock: bool = False, crl_period: timedelta | None = None,
               service_key: KeyType = KeyType.RSA2048) -> Testbed:
        """A new testbed in ``directory`` (which must not hold one), listening on ``port``;
        its OCSP responders and TSAs sign with ``service_key`` keys (RSA-2048/3072, P-256,
        P-384)."""
        listener = bind_loopback(port)
        try:
            host, bound_port = listener.getsockname()
            clock = Clock()
            if at is not None:
                clock = clock.following(at) if follow_wall_clock else clock.pinned(at)
            lifecycle = Lifecycle(directory)
            state = lifecycle.create(f"http://{host}:{bound_port}", clock,
                                     service_key=service_key)
            if crl_period is not None:
                if crl_period.total_seconds() < 1:
                    raise InvalidInputError(say("crl period: chu kỳ CRL phải ít nhất một giây",
                                                "crl period: must be at least one second"))

                def set_period(state: WorldState) -> None:
                    state.crl_period_seconds = int(crl_period.total_seconds())

                lifecycle.transaction(set_period)
            testbed = cls(directory, listener)
            testbed._write_trust_anchors(state)
        except BaseException:
            listener.close()
            raise
        return testbed

    @classmethod
    def open(cls, directory: Path) -> Testbed:
        testbed = cls(directory)
        testbed.state  # noqa: B018 (fail now, with the registry's own message, if there is none)
        return testbed

    def _write_trust_anchors(self, state: WorldState) -> None:
        trust = self.directory / TRUST_DIR
        trust.mkdir(parents=True, exist_ok=True)
        for label, authority in state.authorities.items():
            (trust / f"{label}.pem").write_text(self.certificate_pem(authority.certificate))

    # ---- services ------------------------------------------------------------------------------
    def serve(self) -> None:
        """Start the services in the background (on the stored port when re-opened)."""
        if self._thread is not None:
            return
        if self._listener is None:
            port = int(self.state.base_url.rsplit(":", 1)[1])
            self._listener = bind_loopback(port)
        self._thread = ServiceThread(LiveServices(self.directory), self._listener)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
            self._listener = None
        elif self._listener is not None:
            self._listener.close()
            self._listener = None

    def __enter__(self) -> Testbed:
        self.serve()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # ---- state and lookups ---------------------------------------------------------------------
    @property
    def state(self) -> WorldState:
        return self.lifecycle.read()

    @property
    def base_url(self) -> str:
        return self.state.base_url

    def now(self) -> datetime:
        return self.state.clock.clock().now()

    def urls(self, authority: str) -> dict[str, str]:
        self.state.authority(authority)
        return service_urls(self.base_url, authority)

    def certificate(self, reference: str) -> CertificateRecord:
        return self.state.certificate(reference)

    def certificate_der(self, reference: str) -> bytes:
        return self.lifecycle.certificate_der(self.certificate(reference).label)

    def certificate_pem(self, reference: str) -> str:
        from asn1crypto import pem

        return pem.armor("CERTIFICATE", self.certificate_der(reference)).decode()

    def chain(self, reference: str) -> list[CertificateRecord]:
        """The certificate, then its issuers up to (and including) the root."""
        state = self.state
        record = state.certificate(reference)
        chain = [record]
        while record.issuer != record.label:
            record = state.certificates[state.authorities[record.issuer].certificate]
            chain.append(record)
        return chain

    def trust_anchor_paths(self) -> dict[str, Path]:
        """PEM files of the roots (and every authority), as written at creation."""
        return {label: self.directory / TRUST_DIR / f"{label}.pem"
                for label in self.state.authorities}

    def timestamp_log(self, authority: str | None = None) -> list[TimestampLogEntry]:
        """Every timestamp request the testbed's TSAs answered, oldest first (only those of
        ``authority``'s TSA when given), read from the append-only log the services write in
        this directory (also when they run in another process)."""
        if authority is not None and self.state.authority(authority).tsa is None:
            raise InvalidInputError(say(
                f"CA '{authority}' không có dịch vụ cấp dấu thời gian",
                f"authority '{authority}' runs no timestamp authority"))
        return read_entries(self.directory, authority)

    def timestamp_authority_of(self, url: str) -> str | None:
        """The authority whose TSA answers at ``url`` (None: no TSA of this testbed)."""
        for label, authority in self.state.authorities.items():
            if authority.tsa is not None and self.urls(label)["tsa"] == url.rstrip("/"):
                return label
        return None

    def private_key_path(self, reference: str) -> Path:
        """The key file of a software-key subscriber (never of a token subscriber)."""
        from .ca.certomancer_bridge import key_path
        from .world import KeySource

        record = self.certificate(reference)
        if record.key_source is not KeySource.SOFTWARE:
            raise InvalidInputError(say(f"'{reference}': khóa của nó nằm trên token, không ở tệp",
                                        f"'{reference}': its key is on a token, not in a file"))
        return key_path(self.directory, record.key_label, public_only=False)

    # ---- lifecycle (thin faces over Lifecycle) -------------------------------------------------
    def issue(self, subscriber_id: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.issue(subscriber_id, **options)

    def renew(self, reference: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.renew(reference, **options)

    def change_info(self, reference: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.change_info(reference, **options)

    def reissue(self, reference: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.reissue(reference, **options)

    def revoke(self, reference: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.revoke(reference, **options)

    def compromise_authority(self, authority: str, **options: Any) -> CertificateRecord:
        return self.lifecycle.compromise_authority(authority, **options)

    def publish_crl(self, authority: str) -> datetime:
        return self.lifecycle.publish_crl(authority)

    def renew_timestamp_authority(self, authority: str) -> CertificateRecord:
        """The authority's TSA signs with a new key and certificate from now on."""
        from .ca.tsa_renewal import renew_timestamp_authority

        return renew_timestamp_authority(self.lifecycle, authority)

    # ---- clock and service behaviour -----------------------------------------------------------
    def set_clock(self, instant: datetime, *, follow_wall_clock: bool = False) -> Clock:
        clock = Clock().following(instant) if follow_wall_clock else Clock().pinned(instant)
        return self.lifecycle.set_clock(clock)

    def advance_clock(self, delta: timedelta) -> Clock:
        return self.lifecycle.set_clock(self.state.clock.clock().advanced(delta))

    def set_service(self, service: str, mode: ServiceMode, *, delay_seconds: float = 0.0,
                    stale_since: datetime | None = None) -> None:
        """Simulate an outage of 'ocsp:<ca>', 'crl:<ca>', 'tsa:<ca>' or 'certs:<ca>'."""
        kind, _, authority = service.partition(":")
        if kind not in {"ocsp", "crl", "tsa", "certs"}:
            raise InvalidInputError(say(
                f"service: '{service}' phải có dạng ocsp:<ca>, crl:<ca>, tsa:<ca> hoặc certs:<ca>",
                f"service: '{service}' must be ocsp:<ca>, crl:<ca>, tsa:<ca> or certs:<ca>"))
        if mode is ServiceMode.STALE and kind != "crl":
            raise InvalidInputError(say(
                f"service: chỉ CRL mới có thể quá hạn (stale), '{service}' thì không",
                f"service: only a CRL can be stale, not '{service}'"))
        if mode in (ServiceMode.UNAUTHORIZED, ServiceMode.UNKNOWN) and kind != "ocsp":
            raise InvalidInputError(say(
                f"service: chỉ máy chủ OCSP mới trả lời được '{mode.value}', '{service}' thì không",
                f"service: only an OCSP responder can answer '{mode.value}', not '{service}'"))

        def change(state: WorldState) -> None:
            state.authority(authority)
            if mode is ServiceMode.NORMAL:
                state.services.pop(service, None)
            else:
                state.services[service] = ServiceBehaviour(
                    mode=mode, delay_seconds=delay_seconds, stale_since=stale_since)

        self.lifecycle.transaction(change)


@contextlib.contextmanager
def running_testbed(directory: Path, *, at: datetime | None = None,
                    crl_period: timedelta | None = None,
                    service_key: KeyType = KeyType.RSA2048) -> Iterator[Testbed]:
    """A fresh testbed in ``directory`` on an ephemeral port, services running; stopped after."""
    testbed = Testbed.create(directory, at=at, crl_period=crl_period, service_key=service_key)
    try:
        testbed.serve()
        yield testbed
    finally:
        testbed.stop()


def ensure_port_free(port: int) -> None:
    """Fail early with a clear message if ``port`` on 127.0.0.1 is taken."""
    bind_loopback(port).close()


__all__ = ["Testbed", "running_testbed", "ensure_port_free", "ServiceError"]
