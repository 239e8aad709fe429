"""The service adapter kinds (``http``, ``ws-oneshot``, ``ws-session``, ``remote-hash``): a signing
service driven as a Signer and a Verifier from its profile's steps.

:class:`ServiceSut` owns one event loop in a background thread for its whole life (a run, or a
worker process with ``--jobs``): the HTTP client, the persistent ``ws-session`` connection, and
kyso's fixture file server (:mod:`.fixture_server`: ``{input_url}``, ``{upload_url}``) live there,
so a session and its setup steps (a licence, a login) persist across cases. Setup steps run on
first use and again after a reconnect.

One operation (a signing or a verification case):

1. a signing case first checks the profile's declared capabilities (SKIPPED otherwise), then
   puts the token behind the PKCS#11 trace (:mod:`conformance.sut.traced_token`:
   ``{token_access}`` and ``{module}`` name the traced token) and starts the interaction (a UI
   driver process, or a prompt for a person);
2. its steps run in order under ONE deadline (``timeout_seconds``), each read by
   :mod:`.steps`; a result code in ``refused`` is the service's refusal (its message
   verbatim as display), in ``unsupported`` SKIPPED, and anything unknown ERROR;
3. the signed file comes inline (base64), as an upload to the fixture server, or from a path;
   a verification's signatures are read element by element with the per-signature selectors;
4. the case's directory keeps ``service-exchange.json`` (every request with the PIN as ``***``,
   every reply's excerpt, timings, selector values), the PKCS#11 trace, the driver's output.

``remote-hash`` runs certificate and sign_hash steps inside pyHanko's signing
(:mod:`.remote_hash`). Failures are :class:`~conformance.sut.contract.SutNoAnswer` of the kinds
``timeout``, ``connection``, ``flood``, ``invalid-answer``, ``tls``; the next case runs anyway.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import aiohttp

from bilingual import say
from conformance.sut.case_setup import (
    case_root,
    case_secrets,
    declared_unsupported,
    evidence_suffix,
    read_secret,
    sut_environment,
    token_access_of,
)
from conformance.sut.contract import SutNoAnswer, SutUnsupported, iso
from conformance.sut.profile import ProfileError, SutProfile
from conformance.sut.service.answers import (
    collect_warnings,
    display_of,
    refusal,
    stored_evidence,
    verifier_answer,
    write_output,
)
from conformance.sut.service.fixture_server import FixtureCase, FixtureServer
from conformance.sut.service.interaction import (
    DEFAULT_PROMPT_EN,
    DEFAULT_PROMPT_VI,
    DriverProcess,
    prompt_text,
    show_prompt,
)
from conformance.sut.service.remote_hash import sign_remote_hash
from conformance.sut.service.selectors import decode_base64, excerpt
from conformance.sut.service.steps import Operation, StepOutcome, StepRunner, select
from conformance.sut.service.templates import format_values, redact
from conformance.sut.service.transport import (
    INVALID_ANSWER,
    HttpTransport,
    ServiceFailure,
    WsOneshotTransport,
    WsSessionTransport,
    client_session,
    json_decoder,
    ssl_context,
)
from conformance.sut.service_profile import (
    Interaction,
    ServiceAdapter,
    Step,
    pinned_certificate_der,
)
from conformance.sut.traced_token import TracedToken
from scenarios import SignerAnswer, SignerOutcome, SignRequest, VerifierAnswer, VerifyRequest

T = TypeVar("T")
EXCHANGE_FILE = "service-exchange"


class Unsupported(Exception):  # noqa: N818 (the service's own word: SKIPPED)
    """A result code in ``results.unsupported``."""


class _LoopThread:
    """An event loop running in a daemon thread; coroutines are submitted from other threads."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="kyso-service-adapter",
                                       daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise

    def stop(self, closing: Callable[[], Awaitable[None]]) -> None:
        if self.loop.is_closed():
            return
        if threading.current_thread() is self.thread:  # collected inside its own loop
            self.loop.call_soon(self.loop.stop)
            return
        if self.thread.is_alive():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(closing(), self.loop).result(5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
        if not self.thread.is_alive():
            self.loop.close()


class _Resources:
    """What lives in the loop: HTTP client, fixture server, transport (created on first use)."""

    def __init__(self) -> None:
        self.http: aiohttp.ClientSession | None = None
        self.fixture: FixtureServer | None = None
        self.transport: Any = None

    async def close(self) -> None:
        if isinstance(self.transport, WsSessionTransport):
            await self.transport.drop()
        if self.fixture is not None:
            await self.fixture.stop()
        if self.http is not None:
            await self.http.close()


class ServiceSut:
    """A signing service as Signer and Verifier (the four service kinds)."""

    def __init__(self, profile: SutProfile, *, observer: Callable[[str], None] | None = None
                 ) -> None:
        service, interaction = profile.adapter.service, profile.interaction
        if service is None or interaction is None:
            raise ValueError(say("ServiceSut cần hồ sơ dịch vụ ([adapter.service] và "
                                 "[interaction])",
                                 "ServiceSut needs a service profile ([adapter.service] and "
                                 "[interaction])"))
        self.profile = profile
        self.kind = profile.adapter.kind
        self.service: ServiceAdapter = service
        self.interaction: Interaction = interaction
        self.observer = observer
        self.name = f"{profile.sut.name} {profile.sut.version} ({self.kind})"
        self.pinned: bytes | None = None
        if service.tls is not None:
            try:
                self.pinned = pinned_certificate_der(profile.directory, service.tls)
            except ValueError as error:
                raise ProfileError(f"{profile.path or 'sut.toml'}: {error}") from None
        self._loop: _LoopThread | None = None
        self._resources = _Resources()
        self._guard = threading.Lock()
        self._saved: dict[str, Any] = {}
        self._setup_done = False
        self._cases = itertools.count(1)
        self._finalizer: weakref.finalize | None = None  # type: ignore[type-arg]

    # ---- life -----------------------------------------------------------------------------
    def _started(self) -> _LoopThread:
        with self._guard:
            if self._loop is None:
                loop = _LoopThread()
                loop.call(self._open())
                self._loop = loop
                self._finalizer = weakref.finalize(self, loop.stop, self._resources.close)
            return self._loop

    async def _open(self) -> None:
        resources = self._resources
        resources.http = client_session(self.pinned)
        resources.fixture = FixtureServer(self.service.max_reply_bytes)
        await resources.fixture.start()
        context = ssl_context(self.service.tls.min_version, self.pinned) \
            if self.service.tls is not None and self.pinned is not None else None
        cap = self.service.max_reply_bytes
        if self.kind == "ws-session":
            decode = json_decoder(next((step.reply.format for step in self.service.sign
                                        + self.service.verify), "json"))
            resources.transport = WsSessionTransport(
                resources.http, self.service.base_url, cap, context, self.pinned, decode)
        elif self.kind == "ws-oneshot":
            resources.transport = WsOneshotTransport(resources.http, cap, context, self.pinned)
        else:
            resources.transport = HttpTransport(resources.http, cap, context, self.pinned)

    def close(self) -> None:
        """Stop the loop, the fixture server and the connections (also done at exit)."""
        if self._finalizer is not None:
            self._finalizer()

    @property
    def runner(self) -> StepRunner:
        return StepRunner(self.kind, self.service, self._resources.transport)

    # ---- the two roles --------------------------------------------------------------------
    def sign(self, request: SignRequest) -> SignerAnswer:
        """One signing case; raises SutNoAnswer (ERROR) / SutUnsupported (SKIPPED)."""
        declared_unsupported(self.profile, request)
        access = token_access_of(request)
        root = case_root(request.workdir)
        suffix = evidence_suffix(root, EXCHANGE_FILE, "pkcs11-trace")
        secrets = case_secrets(request.pin_file)
        pin = read_secret(request.pin_file)
        loop = self._started()
        with TracedToken(access, Path(request.token_access), root, suffix, secrets) as token:
            values = self._case_values(root, request.input, request.trust_roots,
                                       iso(request.moment))
            values.update({
                "output": str(Path(request.output).resolve()),
                "token_label": request.token_label,
                "token_access": str(token.access_path.resolve()),
                "module": token.access.module,
                "pin_file": str(Path(request.pin_file).resolve()),
                "level": request.level, "tsa_url": request.tsa_url or "",
                "field_name": request.field_name or "", "visible": request.visible,
                "format": request.format.value})
            if self.interaction.mode == "pin":
                values["pin"] = pin
            operation = Operation(name="sign", values=values, secrets=secrets, saved={},
                                  observer=self.observer)
            return self._perform(loop, operation, root, suffix,
                                 lambda fixture: self._sign(request, operation, fixture),
                                 request.input)

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        """One verification case; raises SutNoAnswer (ERROR) / SutUnsupported (SKIPPED)."""
        declared_unsupported(self.profile, request)
        root = case_root(request.workdir)
        suffix = evidence_suffix(root, EXCHANGE_FILE)
        loop = self._started()
        values = self._case_values(root, request.input, request.trust_roots,
                                   iso(request.moment))
        values.update(format_values(request))
        operation = Operation(name="verify", values=values, secrets=[], saved={},
                              observer=self.observer)
        return self._perform(loop, operation, root, suffix,
                             lambda fixture: self._verify(operation), request.input)

    def _case_values(self, root: Path, document: Path, trust_roots: list[Path],
                     moment: str) -> dict[str, Any]:
        data = Path(document).read_bytes()
        return {
            "input_base64": base64.b64encode(data).decode("ascii"),
            "input_name": Path(document).name, "moment": moment,
            "trust_files": [str(Path(path).resolve()) for path in trust_roots],
            "base_url": self.service.base_url, "case_id": f"{root.name}-{next(self._cases)}",
            "python": sys.executable, "profile_dir": str(self.profile.directory)}

    # ---- one operation, start to end ------------------------------------------------------
    def _perform(self, loop: _LoopThread, operation: Operation, root: Path, suffix: str,
                 body: Callable[[FixtureCase], Awaitable[T]], document: Path) -> T:
        evidence_file = root / f"{EXCHANGE_FILE}{suffix}.json"
        facts: dict[str, Any] = {"kind": self.kind, "base_url": self.service.base_url,
                                 "operation": operation.name,
                                 "case_id": operation.values["case_id"],
                                 "interaction": self.interaction.mode,
                                 "timeout_seconds": self.service.timeout_seconds,
                                 "exchange_file": str(evidence_file)}
        started = time.monotonic()
        try:
            result = loop.call(self._bounded(operation, root, suffix, body, document, facts))
        except ServiceFailure as failure:
            facts.update(outcome="error", error={"kind": failure.kind,
                                                 "reason": redact(failure.reason,
                                                                  operation.secrets)})
            self._write(evidence_file, facts, operation, started)
            raise SutNoAnswer(redact(failure.reason, operation.secrets),
                              evidence={"exchange": evidence_file}, kind=failure.kind,
                              facts=facts) from None
        except Unsupported as unsupported:
            facts.update(outcome="unsupported", message=str(unsupported))
            self._write(evidence_file, facts, operation, started)
            raise SutUnsupported(say(f"dịch vụ khai báo không hỗ trợ điểm kiểm tra này: "
                                     f"{unsupported}",
                                     f"the service declared this case unsupported: "
                                     f"{unsupported}"),
                                 evidence={"exchange": evidence_file}, facts=facts) from None
        except (SutNoAnswer, KeyboardInterrupt):
            raise
        except Exception as error:  # noqa: BLE001 (one case's failure never stops the run)
            trace = root / f"traceback{suffix}.txt"
            trace.write_text(redact(traceback.format_exc(), operation.secrets), encoding="utf-8")
            first = (str(error).splitlines() or [""])[0]
            facts.update(outcome="error", error={"kind": "exception", "reason": redact(
                f"{type(error).__name__}: {first}", operation.secrets)})
            self._write(evidence_file, facts, operation, started)
            cause = f"{type(error).__name__}: {first}"
            raise SutNoAnswer(redact(say(f"bộ chuyển đổi dịch vụ bị lỗi: {cause}",
                                         f"the service adapter failed: {cause}"),
                                     operation.secrets),
                              evidence={"exchange": evidence_file, "traceback": trace},
                              kind="exception", facts=facts) from None
        facts["outcome"] = getattr(result, "outcome", "answered")
        self._write(evidence_file, facts, operation, started)
        return result

    def _write(self, path: Path, facts: dict[str, Any], operation: Operation,
               started: float) -> None:
        facts.update(seconds=round(time.monotonic() - started, 3), steps=operation.records,
                     omitted_poll_attempts=operation.omitted_attempts, notes=operation.notes)
        text = json.dumps(redact(facts, operation.secrets), ensure_ascii=False, indent=2,
                          default=str)
        path.write_text(text + "\n", encoding="utf-8")

    async def _bounded(self, operation: Operation, root: Path, suffix: str,
                       body: Callable[[FixtureCase], Awaitable[T]], document: Path,
                       facts: dict[str, Any]) -> T:
        fixture = self._resources.fixture
        assert fixture is not None
        case = fixture.open_case(Path(document).resolve())
        operation.values.update(input_url=case.input_url, upload_url=case.upload_url)
        driver: DriverProcess | None = None
        try:
            async with asyncio.timeout(self.service.timeout_seconds):
                await self._ensure_setup(operation)
                if operation.name == "sign":
                    driver = await self._interact(operation, root, suffix)
                return await body(case)
        except TimeoutError:
            last = operation.records[-1]["step"] if operation.records else "setup"
            seconds = self.service.timeout_seconds
            failure = ServiceFailure("timeout", say(
                f"không có câu trả lời cuối cùng trong {seconds} s (đang chờ ở bước '{last}')",
                f"no final answer within {seconds} s (waiting at step '{last}')"))
            if operation.records and "status" not in operation.records[-1] \
                    and "reply" not in operation.records[-1]:
                operation.records[-1]["error"] = {"kind": "timeout", "reason": failure.reason}
            operation.note(f"← {last}: ERROR timeout: {failure.reason}")
            await self._after_failure("timeout")
            raise failure from None
        except ServiceFailure as failure:
            await self._after_failure(failure.kind)
            raise
        finally:
            fixture.close_case(case)
            facts["fixture"] = case.facts()
            if driver is not None:
                facts["driver"] = await driver.stop()

    async def _after_failure(self, kind: str) -> None:
        """After a broken exchange, reconnect (and set up again) for the next case."""
        if kind in ("timeout", "connection", "flood", "tls", "invalid-answer"):
            transport = self._resources.transport
            if isinstance(transport, WsSessionTransport) and kind != "invalid-answer":
                await transport.drop()
            if kind != "invalid-answer":
                self._setup_done = False

    async def _ensure_setup(self, operation: Operation) -> None:
        transport = self._resources.transport
        setup = Operation(name="setup", values=operation.values, secrets=operation.secrets,
                          saved=self._saved, observer=operation.observer,
                          records=operation.records)

        async def run_setup() -> None:
            self._saved.clear()
            for step in self.service.setup:
                outcome = await self.runner.run(step, setup)
                if outcome.meaning not in (None, "ok"):
                    raise ServiceFailure(INVALID_ANSWER, say(
                        f"bước setup '{step.name}': mã {outcome.code} "
                        f"({outcome.message or 'không có thông điệp'})",
                        f"setup step '{step.name}': code {outcome.code} "
                        f"({outcome.message or 'no message'})"))

        if isinstance(transport, WsSessionTransport):
            await transport.ensure(run_setup)
        elif not self._setup_done:
            await run_setup()
            self._setup_done = True
        operation.saved.update(self._saved)

    async def _interact(self, operation: Operation, root: Path, suffix: str
                        ) -> DriverProcess | None:
        values = {**operation.values, "timeout": self.service.timeout_seconds}
        if self.interaction.mode == "human":
            show_prompt(prompt_text(self.interaction.prompt_vi or DEFAULT_PROMPT_VI, values),
                        prompt_text(self.interaction.prompt_en or DEFAULT_PROMPT_EN, values))
        if self.interaction.mode != "driver" or not self.interaction.driver:
            return None
        workdir = root / f"driver{suffix}"
        driver = DriverProcess(self.interaction.driver, values, workdir=workdir,
                               env=sut_environment(self.profile, workdir),
                               secrets=operation.secrets,
                               output_file=root / f"driver-output{suffix}.txt")
        await driver.start()
        operation.note(f"  driver started: {' '.join(driver.command)}")
        return driver

    # ---- signing --------------------------------------------------------------------------
    async def _sign(self, request: SignRequest, operation: Operation, case: FixtureCase
                    ) -> SignerAnswer:
        if self.kind == "remote-hash":
            return await sign_remote_hash(self, request, operation)
        outcomes = await self.run_steps(self.service.sign, operation)
        last = outcomes[-1]
        if last.meaning == "refused":
            return refusal(last)
        data = await self._signed_file(outcomes, operation, case, request)
        write_output(Path(request.output), data)
        return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                            warnings=collect_warnings(outcomes, operation),
                            display=display_of(outcomes, operation),
                            evidence=stored_evidence(outcomes, operation))

    async def run_steps(self, steps: list[Step], operation: Operation) -> list[StepOutcome]:
        """Run ``steps`` in order; stop at a refusal; raise Unsupported for 'unsupported'."""
        outcomes: list[StepOutcome] = []
        for step in steps:
            outcome = await self.runner.run(step, operation)
            outcomes.append(outcome)
            if outcome.meaning == "unsupported":
                raise Unsupported(outcome.message or say(f"mã kết quả {outcome.code}",
                                                         f"result code {outcome.code}"))
            if outcome.meaning == "refused":
                break
        return outcomes

    async def _signed_file(self, outcomes: list[StepOutcome], operation: Operation,
                           case: FixtureCase, request: SignRequest) -> bytes:
        source = next((o for o in reversed(outcomes) if o.step.reply.output_from != "none"),
                      None)
        assert source is not None  # the profile check makes sure one step has it
        reply = source.step.reply
        if reply.output_from == "upload":
            if case.flooded:
                cap = self.service.max_reply_bytes
                raise ServiceFailure("flood", say(
                    f"tệp tải lên {case.upload_url} vượt max_reply_bytes = {cap}",
                    f"the upload to {case.upload_url} was above max_reply_bytes = {cap}"))
            if not case.uploads:
                raise ServiceFailure(INVALID_ANSWER, say(
                    "dịch vụ báo đã ký nhưng không tải gì lên {upload_url} "
                    f"({case.upload_url})",
                    "the service says it signed but uploaded nothing to {upload_url} "
                    f"({case.upload_url})"))
            return case.uploads[-1].data
        if reply.output_from == "path":
            path = Path(str(select(source.record, "output", reply.output, source.document,
                                   operation))) if reply.output else Path(request.output)
            try:
                return path.read_bytes()
            except OSError as error:
                reason = error.strerror or error
                raise ServiceFailure(INVALID_ANSWER, say(
                    f"không đọc được tệp đã ký {path} ({reason})",
                    f"the signed file {path} cannot be read ({reason})")) from None
        assert reply.output is not None
        value = select(source.record, "output", reply.output, source.document, operation)
        if isinstance(value, str):
            try:
                value = decode_base64(value)
            except ValueError as error:
                raise ServiceFailure(INVALID_ANSWER, "reply.output: " + say(
                    f"không phải base64 ({error}); nhận được {excerpt(value)}",
                    f"not base64 ({error}); got {excerpt(value)}")) from None
        if not isinstance(value, bytes) or not value:
            raise ServiceFailure(INVALID_ANSWER, "reply.output: " + say(
                f"không có nội dung tệp; nhận được {excerpt(value)}",
                f"no file content; got {excerpt(value)}"))
        return value

    async def _verify(self, operation: Operation) -> VerifierAnswer:
        return verifier_answer(await self.run_steps(self.service.verify, operation), operation)


__all__ = ["EXCHANGE_FILE", "ServiceSut", "Unsupported"]
