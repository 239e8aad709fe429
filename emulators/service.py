"""Starting and stopping an emulated service: in process (tests, the adapter engine's tests), in
a background thread (synchronous callers), or in the foreground (``kyso emulate``).

Every service listens on 127.0.0.1 only, answers ``GET /health`` with
``{"status": "ok", "family": ...}`` and shows its dialogs under ``/ui`` (:mod:`.dialogs`), next
to its family's operations. In the foreground it prints one line when it is ready,
``kyso-emulate: <family> lắng nghe tại / listening on <url>`` (the URL last, in every
language), and with ``--tls`` a second one,
``kyso-emulate: certificate <path>``; Ctrl-C (or SIGTERM) stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from aiohttp import web

from bilingual import say
from emulators import http_plugin, remote_hash, ws_oneshot, ws_session
from emulators.choices import Family, Misbehaviour
from emulators.context import ServiceContext, ServiceOptions
from emulators.engine import ReferenceEngine
from emulators.tls import loopback_certificate
from testbed import InvalidInputError, bind_loopback, parse_choice

MAX_REQUEST_BYTES = 160 * 1024 * 1024
"""A request body may hold a base64 PDF of about 100 MB."""
SHUTDOWN_SECONDS = 1.0
"""How long a stopping service waits for open operations (a hanging one never finishes)."""
READY_PREFIX = "kyso-emulate:"

_FAMILY_ROUTES: dict[Family, Callable[[web.Application, ServiceContext], None]] = {
    Family.HTTP_PLUGIN: http_plugin.add_routes,
    Family.WS_ONESHOT: ws_oneshot.add_routes,
    Family.WS_SESSION: ws_session.add_routes,
    Family.REMOTE_HASH: remote_hash.add_routes,
}


@dataclass
class RunningService:
    """A started service: where it listens, its TLS certificate, how to stop it."""

    family: Family
    url: str
    """The base URL a profile names: http(s):// for HTTP families, ws(s):// for WebSocket ones."""
    http_url: str
    """The same host and port over http(s): ``/health`` and ``/ui`` live there."""
    port: int
    cert_path: Path | None
    """The self-signed certificate (PEM) with ``tls=True``, else None."""
    context: ServiceContext
    _runner: web.AppRunner

    @property
    def ui_url(self) -> str:
        return f"{self.http_url}/ui"

    async def close(self) -> None:
        """Stop listening, end open operations, forget the working directory."""
        await self._runner.cleanup()
        self.context.engine.close()
        shutil.rmtree(self.context.workdir, ignore_errors=True)


def _validated(family: Family | str, defect: str | None,
               misbehave: Misbehaviour | str | None) -> tuple[Family, Misbehaviour | None]:
    chosen = family if isinstance(family, Family) else parse_choice(Family, family,
                                                                    field="family")
    if defect:
        from conformance import Defect

        if defect not in {member.value for member in Defect}:
            known = ", ".join(member.value for member in Defect)
            raise InvalidInputError(f"--defect: '{defect}' " + say(
                f"không phải lỗi cố ý nào ({known})", f"is not a defect ({known})"))
    mode = None
    if misbehave:
        mode = misbehave if isinstance(misbehave, Misbehaviour) else parse_choice(
            Misbehaviour, misbehave, field="--misbehave")
    return chosen, mode


def _logging_middleware() -> Any:
    @web.middleware
    async def log(request: web.Request, handler: Callable[[web.Request],
                                                          Awaitable[web.StreamResponse]]
                  ) -> web.StreamResponse:
        started = time.monotonic()
        response = await handler(request)
        print(f"{READY_PREFIX} {request.method} {request.path} → {response.status} "
              f"({time.monotonic() - started:.2f} s)", file=sys.stderr, flush=True)
        return response

    return log


async def start(family: Family | str, port: int = 0, *, defect: str | None = None,
                misbehave: Misbehaviour | str | None = None, tls: bool = False,
                log: bool = False, **options: Any) -> RunningService:
    """Start one emulated service on 127.0.0.1:``port`` (0: ephemeral) in the running loop.

    ``options`` are further :class:`ServiceOptions` fields (``confirm``, ``confirm_after``,
    ``pin_timeout``, ``confirm_timeout``, ``defaults``, ``certificate_file``). ``log`` prints
    one line per request on stderr (never a body, so never a PIN).
    """
    chosen, mode = _validated(family, defect, misbehave)
    settings = replace(ServiceOptions(), defect=defect or None, misbehave=mode, tls=tls,
                       **options)
    listener = bind_loopback(port)  # ServiceError (one line) when the port is taken
    workdir = Path(tempfile.mkdtemp(prefix=f"kyso-emulate-{chosen.value}-"))
    try:
        return await _serve(chosen, settings, listener, workdir, log=log)
    except BaseException:
        listener.close()
        shutil.rmtree(workdir, ignore_errors=True)
        raise


async def _serve(family: Family, settings: ServiceOptions, listener: socket.socket,
                 workdir: Path, *, log: bool) -> RunningService:
    context = ServiceContext(family=family, options=settings,
                             engine=ReferenceEngine(workdir / "operations", settings.defect),
                             workdir=workdir)
    certificate = None
    if settings.tls:
        certificate = loopback_certificate(settings.certificate_file
                                           or workdir / "certificate.pem")
    app = web.Application(client_max_size=MAX_REQUEST_BYTES,
                          middlewares=[_logging_middleware()] if log else [])

    async def health(request: web.Request) -> web.Response:
        del request
        return web.json_response({"status": "ok", "family": family.value})

    app.router.add_get("/health", health)
    context.dialogs.add_routes(app)
    _FAMILY_ROUTES[family](app, context)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True,
                           shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.SockSite(runner, listener,
                        ssl_context=certificate.context if certificate else None)
    await site.start()
    bound = listener.getsockname()[1]
    secure = "s" if settings.tls else ""
    http_url = f"http{secure}://127.0.0.1:{bound}"
    url = f"ws{secure}://127.0.0.1:{bound}" if family.websocket else http_url
    return RunningService(family=family, url=url, http_url=http_url, port=bound,
                          cert_path=certificate.pem_path if certificate else None,
                          context=context, _runner=runner)


@contextlib.contextmanager
def serve_in_thread(family: Family | str, port: int = 0, **options: Any
                    ) -> Iterator[RunningService]:
    """:func:`start` in a background thread with its own event loop, for synchronous callers
    (tests): the service runs while the ``with`` block does."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"kyso-emulate-{family}",
                              daemon=True)
    thread.start()
    try:
        service = asyncio.run_coroutine_threadsafe(start(family, port, **options),
                                                   loop).result(timeout=60)
        try:
            yield service
        finally:
            asyncio.run_coroutine_threadsafe(service.close(), loop).result(timeout=60)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


def run_foreground(family: Family | str, port: int, **options: Any) -> int:
    """``kyso emulate``: serve until Ctrl-C or SIGTERM; exit code 0."""

    async def serve() -> None:
        service = await start(family, port, log=True, **options)
        print(f"{READY_PREFIX} {service.family.value} "
              + say("lắng nghe tại", "listening on") + f" {service.url}", flush=True)
        if service.cert_path is not None:
            print(f"{READY_PREFIX} certificate {service.cert_path}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        try:
            await stop.wait()
        finally:
            await service.close()

    asyncio.run(serve())
    print(f"{READY_PREFIX} stopped", flush=True)
    return 0


__all__ = ["RunningService", "run_foreground", "serve_in_thread", "start"]
