"""The testbed's live services over HTTP on 127.0.0.1: OCSP, CRL, TSA and certificate repository.

They answer *as of the testbed clock*, because third-party software never sends certomancer's
fake-time header, and in whole seconds (RFC 5280 has no fractions; pyca and NSS reject them).
Certomancer's Animator cannot do either, nor answer OCSP ``unknown`` or GET, so this module serves
the testbed itself. CRLs are built by pyca from the registry's revoked rows (:mod:`testbed.ca.crls`;
certomancer's builder took 100 s for 100,000 entries) and cached until a revocation changes;
timestamps are still signed by certomancer's builder, through the certomancer door
(:mod:`testbed.ca.certomancer_bridge.responders`); OCSP requests are read by
:mod:`testbed.ocsp_requests` and answered by :mod:`testbed.ocsp_responses` (written by pyca's
builder, :mod:`testbed.ocsp_pyca`, where it can, else by asn1crypto; signed with the
responder's pyca key), the registry answering each status question, serial by serial, through
one function (:func:`testbed.ocsp_cache.registry_status_of`).

Speed: keys are parsed once (:mod:`testbed.ca.certomancer_bridge.key_cache`), authority
material is loaded once per registry revision, and an OCSP request without a nonce gets a
pre-produced response (RFC 5019 2.2) until the registry revision, the service mode or the
testbed instant says otherwise (:mod:`testbed.ocsp_cache` lists the rules). Any change to the
registry (even from another process) bumps the revision.

Every timestamp request the TSA answers is written to the testbed's TSA log
(:mod:`testbed.tsa_log`), so a judge can tell whether a token in a signed document was really
issued by the TSA a case named. The TSA refuses what RFC 3161 says a TSA must refuse
(:mod:`testbed.tsa_requests`); the OCSP responder refuses requests with more than
:data:`OCSP_MAX_CERT_IDS` CertIDs, which would hold the event loop (and every other client).

Outages are simulated per service (``ocsp:<ca>``, ``crl:<ca>``, ``tsa:<ca>``, ``certs:<ca>``):
HTTP 500, no answer at all, a slow answer, (CRL) a stale CRL whose nextUpdate has passed, or
(OCSP) an ``unauthorized`` error response to every request, or ``unknown`` for every serial.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import secrets
import socket
import threading
import urllib.parse
from collections import OrderedDict
from datetime import datetime, timedelta
from pathlib import Path

import uvloop
from aiohttp import web
from asn1crypto import tsp, x509

from bilingual import say

from .ca.certomancer_bridge import (
    ARCH_LABEL,
    ServiceSigner,
    certificate_path,
    key_path,
    load_service_signer,
    sign_timestamp_response,
)
from .ca.crls import CrlEntry, CrlEntryCache, CrlSigner, sign_crl
from .errors import ServiceError
from .ocsp_cache import OCSPResponseCache, registry_status_of, unknown_status_of
from .ocsp_requests import OCSPRefusalError, parse_request
from .ocsp_responses import (
    ResponderMaterial,
    StatusOf,
    answer_request,
    error_response,
    load_material,
)
from .registry_db import RegistryDatabase
from .registry_store import IssuedByAuthority, WorldStore
from .service_modes import ServiceMode
from .tsa_log import append_entry, log_full
from .tsa_requests import (
    LOG_FULL,
    UNPARSABLE,
    granted_entry,
    refusal_of,
    refused_entry,
    rejection_response,
)
from .world import WorldState

OCSP_RESPONSE_VALIDITY = timedelta(minutes=10)
NO_ANSWER_SECONDS = 3600.0
"""How long a 'no-answer' service keeps a client waiting (the client's timeout ends it first)."""
STALE_CRL_AGE_PERIODS = 2
TSA_POLICY = "2.25.142858004740299473809878048017257334532.9.1"
OCSP_MAX_CERT_IDS = 100
"""The most CertIDs one OCSP request may ask about; more is answered ``malformedRequest``.
The responder answers in the event loop, about 0.3 ms a CertID, so 4,000 of them held every
other client of the testbed for 1.3 to 4.6 s; 100 hold it for about 30 ms, and no client
needs more (RFC 5019 2.1.1 clients send one; a chain here is three certificates deep).
Not ``tryLater``: RFC 6960 2.3 means a responder that is temporarily unable to answer, so a
client that honours it would resend the same request forever; the limit is the request's
fault, and ``malformedRequest`` ("illegal confirmation request", 4.2.1) says so for good."""
_RESPONSE_CACHE_SIZE = 4096


class _Snapshot:
    """Everything the services need from one registry revision, parsed once."""

    def __init__(self, directory: Path, state: WorldState, database: RegistryDatabase) -> None:
        self.state = state
        self.clock = state.clock.clock()
        """The revision's clock, built once (every OCSP answer reads it)."""
        self._certificates: dict[str, x509.Certificate] = {}
        self._signers: dict[str, ServiceSigner] = {}
        self._crl_signers: dict[str, CrlSigner] = {}
        self._responders: dict[str, ResponderMaterial] = {}
        self._directory = directory
        self.issued: dict[str, IssuedByAuthority] = {
            label: IssuedByAuthority(database, label, authority.certificate)
            for label, authority in state.authorities.items()
        }

    def certificate(self, label: str) -> x509.Certificate:
        if label not in self._certificates:
            der = certificate_path(self._directory, label).read_bytes()
            self._certificates[label] = x509.Certificate.load(der)
        return self._certificates[label]

    def _key_file(self, label: str) -> bytes:
        record = self.state.certificates[label]
        return key_path(self._directory, record.key_label, public_only=False).read_bytes()

    def ocsp_material(self, authority: str) -> ResponderMaterial:
        """The authority's OCSP responder: its key, certificate and CertID hashes."""
        if authority not in self._responders:
            record = self.state.authorities[authority]
            responder = self.state.certificates[record.ocsp_responder]
            pem = key_path(self._directory, responder.key_label, public_only=False).read_bytes()
            self._responders[authority] = load_material(
                pem, self.certificate(record.ocsp_responder).dump(),
                self.certificate(record.certificate).dump())
        return self._responders[authority]

    def status_of(self, authority: str) -> StatusOf:
        """What the responder of ``authority`` says about a serial at an instant."""
        return registry_status_of(self.issued[authority])

    def signer(self, label: str) -> ServiceSigner:
        if label not in self._signers:
            self._signers[label] = load_service_signer(self.certificate(label),
                                                       self._key_file(label))
        return self._signers[label]

    def crl_signer(self, label: str) -> CrlSigner:
        if label not in self._crl_signers:
            self._crl_signers[label] = CrlSigner.load(self.certificate(label).dump(),
                                                      self._key_file(label))
        return self._crl_signers[label]


class LiveServices:
    """Answers service requests for one testbed directory, following its registry."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = WorldStore(directory)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot: _Snapshot | None = None
        self._ocsp_cache = OCSPResponseCache()
        self._crl_cache: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._crl_entry_cache: dict[str, tuple[int, list[CrlEntry]]] = {}
        self._crl_entry_builders: dict[str, CrlEntryCache] = {}

    def snapshot(self) -> _Snapshot:
        """The current registry revision's material; reloaded when the file changes."""
        stamp = self.store.stamp()
        with self._lock:
            if self._snapshot is None or stamp != self._stamp:
                self._snapshot = _Snapshot(self.directory, self.store.load(),
                                           self.store.database)
                self._stamp = stamp
            return self._snapshot

    # ---- OCSP ------------------------------------------------------------------------------
    def ocsp_response(self, authority: str, request_der: bytes,
                      snapshot: _Snapshot | None = None) -> bytes:
        """The answer to an OCSP request for ``authority``'s certificates, at the testbed
        clock; a request without a nonce may get a pre-produced one (:mod:`testbed.ocsp_cache`).
        ``snapshot``: the registry revision the HTTP handler has just read, if any (one registry
        read per request, not three)."""
        snapshot = snapshot or self.snapshot()
        state = snapshot.state
        now = snapshot.clock.now()
        behaviour = state.services.get(f"ocsp:{authority}")
        mode = ServiceMode.NORMAL if behaviour is None else behaviour.mode
        if mode is ServiceMode.UNAUTHORIZED:
            return error_response("unauthorized")
        cache_key = (authority, request_der)  # only requests without a nonce are kept
        cached = self._ocsp_cache.get(cache_key, state.revision, mode, now)
        if cached is not None:
            return cached
        try:
            request = parse_request(request_der, OCSP_MAX_CERT_IDS)
        except OCSPRefusalError as refusal:
            return error_response(refusal.status)
        status_of = unknown_status_of if mode is ServiceMode.UNKNOWN \
            else snapshot.status_of(authority)
        try:
            answer = answer_request(request, snapshot.ocsp_material(authority), status_of,
                                    at=now, validity=OCSP_RESPONSE_VALIDITY)
        except OCSPRefusalError as refusal:
            return error_response(refusal.status)
        if not request.has_nonce:
            self._ocsp_cache.put(cache_key, state.revision, mode, now, answer)
        return answer.der

    # ---- CRL -------------------------------------------------------------------------------
    def crl_issuance(self, state: WorldState, authority: str, instant: datetime
                     ) -> tuple[int, datetime, datetime]:
        """(CRL number, thisUpdate, nextUpdate) of the newest CRL issued at or before
        ``instant``: scheduled every ``crl_period_seconds`` from the authority's notBefore, plus
        out-of-cycle publications."""
        origin = state.certificates[state.authorities[authority].certificate].not_before
        period = timedelta(seconds=state.crl_period_seconds)
        ticks = max(0, (instant - origin) // period)
        scheduled = origin + ticks * period
        published = [moment for moment in state.crl_publications.get(authority, [])
                     if moment <= instant]
        this_update = max([scheduled, *published])
        return ticks + len(published), this_update, scheduled + period

    def crl(self, authority: str) -> bytes:
        snapshot = self.snapshot()
        state = snapshot.state
        now = state.clock.clock().now()
        behaviour = state.services.get(f"crl:{authority}")
        instant = now
        if behaviour is not None and behaviour.mode is ServiceMode.STALE:
            period = timedelta(seconds=state.crl_period_seconds)
            instant = behaviour.stale_since or now - STALE_CRL_AGE_PERIODS * period
        number, this_update, next_update = self.crl_issuance(state, authority, instant)
        version = self.store.database.crl_version()
        cache_key = (authority, version, number, this_update)
        if cache_key in self._crl_cache:
            return self._crl_cache[cache_key]
        record = state.authorities[authority]
        der = sign_crl(snapshot.crl_signer(record.certificate), number, this_update, next_update,
                       self._crl_entries(authority, record.certificate, version))
        self._remember(self._crl_cache, cache_key, der)
        return der

    def _crl_entries(self, authority: str, own_label: str, version: int) -> list[CrlEntry]:
        """The authority's revoked certificates as CRL entries, listed once per revocation
        change (a new scheduled CRL, or a move of the clock, reuses them); an entry is built
        once per row (:class:`~testbed.ca.crls.CrlEntryCache`)."""
        cached = self._crl_entry_cache.get(authority)
        if cached is not None and cached[0] == version:
            return cached[1]
        builder = self._crl_entry_builders.setdefault(authority, CrlEntryCache())
        entries = builder.entries(self.store.database.revoked(authority, own_label))
        self._crl_entry_cache[authority] = (version, entries)
        return entries

    # ---- TSA and certificates -------------------------------------------------------------
    def timestamp(self, authority: str, request_der: bytes) -> bytes:
        """The TSA's answer: a token, or a rejection as RFC 3161 2.4.1 requires
        (:mod:`testbed.tsa_requests`); either is written to the TSA log (:mod:`testbed.tsa_log`)."""
        snapshot = self.snapshot()
        record = snapshot.state.authorities[authority]
        if record.tsa is None:
            raise KeyError(authority)
        now = snapshot.state.clock.clock().now()
        request: tsp.TimeStampReq | None = None
        try:
            request = tsp.TimeStampReq.load(request_der)
            request.native  # noqa: B018 (parse fully now: a broken request is the client's error)
            refusal = refusal_of(request, TSA_POLICY)
        except (ValueError, TypeError, KeyError):
            request, refusal = None, UNPARSABLE
        if refusal is None and log_full(self.directory):
            refusal = LOG_FULL
        if refusal is not None:
            append_entry(self.directory, refused_entry(authority, now, request, refusal))
            return rejection_response(refusal)
        assert request is not None  # a request without refusal parsed
        response = sign_timestamp_response(
            request, snapshot.signer(record.tsa), [snapshot.certificate(record.certificate)],
            at_time=now, policy=TSA_POLICY)
        append_entry(self.directory, granted_entry(authority, now, request, response))
        return response.dump()

    def ca_certificate(self, authority: str) -> bytes:
        snapshot = self.snapshot()
        return snapshot.certificate(snapshot.state.authorities[authority].certificate).dump()

    def behaviour(self, service: str) -> tuple[ServiceMode, float]:
        behaviour = self.snapshot().state.services.get(service)
        if behaviour is None:
            return ServiceMode.NORMAL, 0.0
        return behaviour.mode, behaviour.delay_seconds

    @staticmethod
    def _remember(cache: OrderedDict[tuple[object, ...], bytes], key: tuple[object, ...],
                  value: bytes) -> None:
        cache[key] = value
        if len(cache) > _RESPONSE_CACHE_SIZE:
            cache.popitem(last=False)


# ---- HTTP ------------------------------------------------------------------------------------
def build_application(services: LiveServices) -> web.Application:
    """The aiohttp application: certomancer's URL layout, the testbed's answers."""
    routes = web.RouteTableDef()
    prefix = f"/{ARCH_LABEL}"
    _add_ocsp_routes(routes, prefix, services)
    _add_publication_routes(routes, prefix, services)

    @routes.get("/health")
    async def health(request: web.Request) -> web.Response:
        state = services.snapshot().state
        return web.json_response({"revision": state.revision,
                                  "now": state.clock.clock().now().isoformat()})

    application = web.Application(client_max_size=1024 * 1024)
    application.add_routes(routes)
    return application


_OUTAGES = frozenset((ServiceMode.HTTP_500, ServiceMode.NO_ANSWER, ServiceMode.SLOW))
"""The modes :func:`_behave` acts on (the others change the answer, not the HTTP)."""


async def _behave(services: LiveServices, service: str) -> web.Response | None:
    """The simulated outage of ``service``, if any: an HTTP 500, or a wait first."""
    mode, delay = services.behaviour(service)
    if mode is ServiceMode.HTTP_500:
        return web.Response(status=500, text=f"simulated outage of {service}\n")
    if mode is ServiceMode.NO_ANSWER:
        await asyncio.sleep(NO_ANSWER_SECONDS)
    if mode is ServiceMode.SLOW:
        await asyncio.sleep(delay)
    return None


def _known(services: LiveServices, authority: str) -> None:
    if authority not in services.snapshot().state.authorities:
        raise web.HTTPNotFound(text=f"no authority '{authority}'\n")


def _add_ocsp_routes(routes: web.RouteTableDef, prefix: str, services: LiveServices) -> None:
    """OCSP by POST and by GET (RFC 6960 A.1)."""

    async def answer_ocsp(authority: str, body: bytes) -> web.Response:
        snapshot: _Snapshot | None = services.snapshot()
        assert snapshot is not None
        if authority not in snapshot.state.authorities:
            raise web.HTTPNotFound(text=f"no authority '{authority}'\n")
        behaviour = snapshot.state.services.get(f"ocsp:{authority}")
        if behaviour is not None and behaviour.mode in _OUTAGES:
            outage = await _behave(services, f"ocsp:{authority}")
            if outage is not None:
                return outage
            snapshot = None  # it waited: the registry may have changed meanwhile
        return web.Response(body=services.ocsp_response(authority, body, snapshot),
                            content_type="application/ocsp-response")

    @routes.post(prefix + "/ocsp/{authority}")
    async def ocsp_post(request: web.Request) -> web.Response:
        return await answer_ocsp(request.match_info["authority"], await request.read())

    @routes.get(prefix + "/ocsp/{authority}/{encoded:.+}")
    async def ocsp_get(request: web.Request) -> web.Response:
        # RFC 6960 A.1: GET {url}/{url-encoding of base64 encoding of the DER request}
        encoded = request.match_info["encoded"]
        try:
            body = base64.b64decode(urllib.parse.unquote(encoded), validate=True)
        except (binascii.Error, ValueError):
            return web.Response(
                body=error_response("malformed_request"),
                content_type="application/ocsp-response")
        return await answer_ocsp(request.match_info["authority"], body)


def _add_publication_routes(routes: web.RouteTableDef, prefix: str,
                            services: LiveServices) -> None:
    """The latest CRL, the TSA and the CA certificate (DER and PEM) of each authority."""

    @routes.get(prefix + "/crls/{authority}/latest.crl")
    async def crl_get(request: web.Request) -> web.Response:
        authority = request.match_info["authority"]
        _known(services, authority)
        outage = await _behave(services, f"crl:{authority}")
        if outage is not None:
            return outage
        return web.Response(body=services.crl(authority), content_type="application/pkix-crl")

    @routes.post(prefix + "/tsa/{authority}")
    async def tsa_post(request: web.Request) -> web.Response:
        authority = request.match_info["authority"]
        _known(services, authority)
        if services.snapshot().state.authorities[authority].tsa is None:
            raise web.HTTPNotFound(text=f"'{authority}' runs no timestamp authority\n")
        outage = await _behave(services, f"tsa:{authority}")
        if outage is not None:
            return outage
        return web.Response(body=services.timestamp(authority, await request.read()),
                            content_type="application/timestamp-reply")

    @routes.get(prefix + "/certs/{authority}/{name}")
    async def certificate_get(request: web.Request) -> web.Response:
        authority, name = request.match_info["authority"], request.match_info["name"]
        _known(services, authority)
        outage = await _behave(services, f"certs:{authority}")
        if outage is not None:
            return outage
        der = services.ca_certificate(authority)
        if name == "ca.crt":
            return web.Response(body=der, content_type="application/pkix-cert")
        if name == "ca.cert.pem":
            text = "-----BEGIN CERTIFICATE-----\n"
            encoded = base64.b64encode(der).decode()
            text += "\n".join(encoded[i:i + 64] for i in range(0, len(encoded), 64))
            return web.Response(text=text + "\n-----END CERTIFICATE-----\n",
                                content_type="application/x-pem-file")
        raise web.HTTPNotFound()


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (``port`` 0: an ephemeral one), bound before anything
    is issued so the URLs inside certificates carry the real port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", port))
    except OSError as error:
        listener.close()
        raise ServiceError(say(
            f"cổng {port} trên 127.0.0.1 không dùng được ({error.strerror})",
            f"port {port} on 127.0.0.1 is not available ({error.strerror})")) from None
    listener.listen(256)
    listener.setblocking(False)
    return listener


class ServiceThread:
    """Runs the services on a listening socket in a background thread with its own loop
    (pyHanko's synchronous API calls ``asyncio.run`` and must not share our loop), a uvloop
    loop: every OCSP request comes on a new connection, and libuv's accept, transport and
    close cost the responder 10–15 % less CPU than asyncio's (bench_ocsp_openssl)."""

    def __init__(self, services: LiveServices, listener: socket.socket) -> None:
        self.services = services
        self.listener = listener
        self._loop = uvloop.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kyso-services", daemon=True)
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to the starting thread
            self._failure = error
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        runner = web.AppRunner(build_application(self.services), access_log=None,
                               handler_cancellation=True, shutdown_timeout=0.5)
        await runner.setup()
        site = web.SockSite(runner, self.listener)
        await site.start()
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await runner.cleanup()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._failure is not None:
            raise ServiceError(say(f"các dịch vụ không khởi động được: {self._failure}",
                                   f"services failed to start: {self._failure}"))

    def stop(self) -> None:
        if self._stopping is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(timeout=10)
        self.listener.close()


def random_serial() -> int:
    """A serial the testbed never issued (for OCSP 'unknown' tests): random 127 bits, even,
    while every issued serial is odd."""
    return secrets.randbits(127) & ~1
