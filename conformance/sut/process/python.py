"""The ``python`` adapter: a vendor's Python object, called in a sandboxed worker or in kyso.

``[adapter.python] entry_point = "module:factory"``: ``factory(**options)`` returns an object
with ``sign(SignRequest) -> SignerAnswer`` and/or ``verify(VerifyRequest) -> VerifierAnswer``
(the :class:`scenarios.roles.Signer` / :class:`~scenarios.roles.Verifier` protocols).

By default every call runs in its own worker process (:mod:`.python_worker`) through the same
sandbox as a ``cli`` SUT (:func:`~conformance.sut.process.calls.run_call`): a timeout
(``timeout_seconds``), bubblewrap's namespaces, only the case's files (its request's paths, for
a signer its token and output folder; the profile's folder and ``path`` read-only), traced
file accesses, and the evidence files ``command.json`` / ``stdout.txt`` / ``stderr.txt``. A
python SUT is untrusted like any other: issue 19. The worker starts light (issue 22): it reads
its order with the standard library (:mod:`.worker_order`), imports nothing of pydantic or
kyso's models before the vendor's code does, and runs it with pydantic's plugins off
(``PYDANTIC_DISABLE_PLUGINS=__all__``, which the profile's ``env`` may override: finding them
reads every installed package's metadata, in every call); kyso validates the answer.

``in_process = true`` (and a :class:`PythonSut` given the object itself, as tests do) calls the
object inside kyso's own process instead: the fastest way, with no sandbox, no timeout and no
output cap; for trusted code only (kyso's reference tools, a vendor's library under development);
:attr:`PythonSut.isolated` says which, for the report ("isolation: none").

Either way, an exception from the entry point is ERROR (kind ``exception``, its message's first
line in the reason, its traceback in ``traceback.txt``); an answer of the wrong type, or a
dictionary that is not a valid contract-v1 answer, is ERROR (``invalid-answer``);
``SutNoAnswer`` / ``SutUnsupported`` raised by the entry point pass through (from the worker:
the same reason, kind and verdict); a broken entry point is a profile error in process and
ERROR ``entry-point`` from the worker (which imports it only when called). The case's PINs are
redacted from the traceback, the reason and the answer (its ``display`` and ``reason``) before
any is kept.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from bilingual import say
from conformance.sut.case_setup import (
    case_root,
    case_secrets,
    declared_unsupported,
    sut_environment,
    token_access_of,
)
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.process.calls import (
    call_slot,
    json_object,
    process_problem,
    request_paths,
    run_call,
    token_grants,
    validated,
)
from conformance.sut.process.entry_point import EntryPointError, import_factory
from conformance.sut.process.python_worker import (
    EXIT_ANSWER,
    EXIT_ENTRY_POINT,
    EXIT_EXCEPTION,
    EXIT_NO_ANSWER,
    WORKER_EXIT_CODES,
)
from conformance.sut.process.sandbox import SandboxGrants, SandboxResult
from conformance.sut.process.worker_order import order_json
from conformance.sut.profile import ProfileError, PythonAdapter, SutProfile
from conformance.sut.redaction import redact
from scenarios import SignerAnswer, SignRequest, VerifierAnswer, VerifyRequest

WORKER_COMMAND = (sys.executable, "-m", "conformance.sut.process.python_worker")
"""The worker, on kyso's own interpreter (readable in the sandbox, as is kyso's source)."""

_NO_EXIT_CODE = -1
"""The worker declares 'unsupported' in its JSON, never by an exit code."""


def _settings(profile: SutProfile) -> PythonAdapter:
    if profile.adapter.python is None:
        raise ValueError(say("PythonSut cần hồ sơ có adapter.kind = 'python'",
                             "PythonSut needs a profile with adapter.kind = 'python'"))
    return profile.adapter.python


def search_path(profile: SutProfile) -> list[str]:
    """The profile's ``path`` entries as absolute directories (relative to its folder)."""
    return [str((profile.directory / entry).resolve()) for entry in _settings(profile).path]


def load_entry_point(profile: SutProfile) -> Any:
    """Import the module, call the factory, in kyso's process; a broken entry point is a
    profile error."""
    settings = _settings(profile)
    try:
        factory = import_factory(settings.entry_point, search_path(profile))
    except EntryPointError as error:
        raise ProfileError(f"{profile.path or 'sut.toml'}: adapter.python.entry_point: "
                           f"{error}") from None
    return factory(**settings.options)


class PythonSut:
    """The Signer and Verifier of a python entry point, with evidence and error mapping."""

    def __init__(self, profile: SutProfile, implementation: Any | None = None) -> None:
        self.profile = profile
        self.implementation: Any | None = implementation
        if implementation is None:
            settings = _settings(profile)
            if settings.in_process:
                self.implementation = load_entry_point(profile)
        self.entry_point = profile.adapter.python.entry_point if profile.adapter.python \
            else repr(self.implementation)
        self.name = f"{profile.sut.name} {profile.sut.version} (python)"
        if self.implementation is None:
            return
        for role, method in (("signer", "sign"), ("verifier", "verify")):
            if role in profile.roles and not callable(getattr(self.implementation, method, None)):
                raise ProfileError(f"{profile.path or 'sut.toml'}: adapter.python.entry_point: "
                                   + say(f"đối tượng không có {method}() nhưng roles có '{role}'",
                                         f"the object has no {method}() but roles include "
                                         f"'{role}'"))

    @property
    def isolated(self) -> bool:
        """True: each call runs in a sandboxed worker; False: inside kyso (isolation none)."""
        return self.implementation is None

    def sign(self, request: SignRequest) -> SignerAnswer:
        declared_unsupported(self.profile, request)
        if self.isolated:
            return self._call_worker("sign", request, SignerAnswer)  # type: ignore[return-value]
        return self._call("sign", request, SignerAnswer)  # type: ignore[return-value]

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        declared_unsupported(self.profile, request)
        if self.isolated:
            return self._call_worker("verify", request,  # type: ignore[return-value]
                                     VerifierAnswer)
        return self._call("verify", request, VerifierAnswer)  # type: ignore[return-value]

    def _call(self, method: str, request: SignRequest | VerifyRequest,
              model: type[SignerAnswer] | type[VerifierAnswer]) -> SignerAnswer | VerifierAnswer:
        root = case_root(request.workdir)
        _, suffix = call_slot(root)
        secrets = case_secrets(request.pin_file) if isinstance(request, SignRequest) else []
        started = time.monotonic()
        evidence: dict[str, Any] = {"entry_point": self.entry_point, "method": method,
                                    "command_file": str(root / f"command{suffix}.json")}
        try:
            answer = getattr(self.implementation, method)(request)
        except SutNoAnswer:
            raise
        except Exception as error:  # noqa: BLE001 (the SUT's failure is a verdict: ERROR)
            evidence["duration_seconds"] = round(time.monotonic() - started, 3)
            trace = root / f"traceback{suffix}.txt"
            trace.write_text(redact(traceback.format_exc(), secrets), encoding="utf-8")
            evidence["traceback_file"] = str(trace)
            _write(root, suffix, evidence)
            first = redact(str(error).splitlines()[0] if str(error) else "", secrets)
            cause = f"{type(error).__name__}: {first}"
            raise SutNoAnswer(say(f"{method}() phát sinh ngoại lệ {cause}",
                                  f"{method}() raised {cause}"), facts=evidence,
                              kind="exception") from None
        evidence["duration_seconds"] = round(time.monotonic() - started, 3)
        _write(root, suffix, evidence)
        data = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer
        if isinstance(answer, model) and redact(data, secrets) == data:
            return answer
        data = redact(data, secrets)
        if not isinstance(data, dict):
            got = type(answer).__name__
            raise SutNoAnswer(say(f"{method}() trả về {got}, không phải {model.__name__}",
                                  f"{method}() returned {got}, not a {model.__name__}"),
                              facts=evidence, kind="invalid-answer")
        return validated(model, data, evidence, f"{method}() result")

    # ---- in a sandboxed worker process ----------------------------------------------------
    def _call_worker(self, method: str, request: SignRequest | VerifyRequest,
                     model: type[SignerAnswer] | type[VerifierAnswer]
                     ) -> SignerAnswer | VerifierAnswer:
        """One call through :mod:`.python_worker` in the sandbox (module docstring)."""
        settings = _settings(self.profile)
        root = case_root(request.workdir)
        workdir, suffix = call_slot(root)
        path = search_path(self.profile)
        grants = SandboxGrants(read_only=(*request_paths(request), self.profile.directory,
                                          *(Path(entry) for entry in path)))
        token_env: dict[str, str] = {}
        outputs: list[Path] = []
        secrets: list[str] = []
        if isinstance(request, SignRequest):
            access = token_access_of(request)
            grants = grants.plus(token_grants(access, access))
            token_env, outputs = dict(access.env), [Path(request.output).resolve().parent]
            secrets = case_secrets(request.pin_file)
        # the entry point's own evidence and scratch files: in its writable working directory
        worked = dataclasses.replace(request, workdir=workdir)
        result, evidence = run_call(
            WORKER_COMMAND, root=root, workdir=workdir, suffix=suffix,
            env=sut_environment(self.profile, workdir, token_env, at=request.moment),
            timeout_seconds=settings.timeout_seconds,
            stdin=order_json(settings.entry_point, path, dict(settings.options), method, worked),
            allowed_output_dirs=outputs, secrets=secrets, grants=grants)
        evidence.update(entry_point=settings.entry_point, method=method)
        _write(root, suffix, evidence)
        return self._worker_answer(method, model, result, evidence, root, suffix)

    def _worker_answer(self, method: str, model: type[SignerAnswer] | type[VerifierAnswer],
                       result: SandboxResult, evidence: dict[str, Any], root: Path,
                       suffix: str) -> SignerAnswer | VerifierAnswer:
        """The worker's reply (already PIN-redacted by run_call) as an answer or exception."""
        process_problem(result, evidence, _NO_EXIT_CODE, accepted_exit_codes=WORKER_EXIT_CODES)
        data = json_object(result, evidence)
        if result.exit_code == EXIT_ANSWER:
            return validated(model, data, evidence, f"{method}() result")
        if result.exit_code == EXIT_EXCEPTION:
            trace = root / f"traceback{suffix}.txt"
            trace.write_bytes(result.stderr)
            evidence["traceback_file"] = str(trace)
            raised = _table(data, "exception")
            cause = f"{raised.get('type')}: {raised.get('message', '')}"
            raise SutNoAnswer(say(f"{method}() phát sinh ngoại lệ {cause}",
                                  f"{method}() raised {cause}"), facts=evidence,
                              kind="exception")
        if result.exit_code == EXIT_NO_ANSWER:
            silence = _table(data, "no_answer")
            reason = str(silence.get("reason", ""))
            if silence.get("verdict") == "SKIPPED":
                raise SutUnsupported(reason, facts=evidence,
                                     kind=str(silence.get("kind", "unsupported")))
            raise SutNoAnswer(reason, facts=evidence, kind=str(silence.get("kind", "no-answer")))
        if result.exit_code == EXIT_ENTRY_POINT:
            raise SutNoAnswer(f"adapter.python.entry_point {self.entry_point}: "
                              f"{data.get('entry_point')}", facts=evidence, kind="entry-point")
        got = data.get("not_an_answer")
        raise SutNoAnswer(say(f"{method}() trả về {got}, không phải {model.__name__}",
                              f"{method}() returned {got}, not a {model.__name__}"),
                          facts=evidence, kind="invalid-answer")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` if it is an object, else empty: the worker's stdout is the SUT's to spoil."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _write(root: Path, suffix: str, evidence: dict[str, Any]) -> None:
    (root / f"command{suffix}.json").write_text(
        json.dumps(evidence, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
