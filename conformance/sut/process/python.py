"""The ``python`` adapter: a vendor's Python object called inside kyso's own process.

``[adapter.python] entry_point = "module:factory"``: ``factory(**options)`` returns an object
with ``sign(SignRequest) -> SignerAnswer`` and/or ``verify(VerifyRequest) -> VerifierAnswer``
(the :class:`scenarios.roles.Signer` / :class:`~scenarios.roles.Verifier` protocols). It is the
fastest kind and the one with the fewest guarantees: the code runs in kyso's process, so there
is no sandbox, no timeout and no output cap; it suits trusted code (kyso's reference tools, a
vendor's library under development). Untrusted software goes through ``cli`` or ``batch``.

An exception from the entry point is ERROR (kind ``exception``, with its traceback in
``traceback.txt``); an answer of the wrong type, or a dictionary that is not a valid contract-v1
answer, is ERROR (``invalid-answer``). ``SutNoAnswer`` / ``SutUnsupported`` raised by the entry
point pass through unchanged. The case's PINs are redacted from the traceback, the reason and
the answer (its ``display`` and ``reason``) before any is kept.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from conformance.sut.case_setup import case_root, case_secrets, declared_unsupported
from conformance.sut.contract import SutNoAnswer
from conformance.sut.process.calls import call_slot, validated
from conformance.sut.profile import ProfileError, PythonAdapter, SutProfile
from conformance.sut.redaction import redact
from scenarios import SignerAnswer, SignRequest, VerifierAnswer, VerifyRequest


def load_entry_point(profile: SutProfile) -> Any:
    """Import the module, call the factory; a broken entry point is a profile error."""
    settings: PythonAdapter | None = profile.adapter.python
    if settings is None:
        raise ValueError("PythonSut needs a profile with adapter.kind = 'python'")
    where = f"{profile.path or 'sut.toml'}: adapter.python.entry_point"
    for entry in settings.path:
        directory = str((profile.directory / entry).resolve())
        if directory not in sys.path:
            sys.path.insert(0, directory)
    module_name, _, factory_name = settings.entry_point.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ProfileError(f"{where}: cannot import {module_name!r} ({error})") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise ProfileError(f"{where}: {module_name} has no callable {factory_name!r}")
    return factory(**settings.options)


class PythonSut:
    """The Signer and Verifier of a python entry point, with evidence and error mapping."""

    def __init__(self, profile: SutProfile, implementation: Any | None = None) -> None:
        self.profile = profile
        self.implementation = implementation if implementation is not None \
            else load_entry_point(profile)
        self.entry_point = profile.adapter.python.entry_point if profile.adapter.python \
            else repr(self.implementation)
        self.name = f"{profile.sut.name} {profile.sut.version} (python)"
        for role, method in (("signer", "sign"), ("verifier", "verify")):
            if role in profile.roles and not callable(getattr(self.implementation, method, None)):
                raise ProfileError(f"{profile.path or 'sut.toml'}: adapter.python.entry_point: "
                                   f"the object has no {method}() but roles include '{role}'")

    def sign(self, request: SignRequest) -> SignerAnswer:
        declared_unsupported(self.profile, request)
        return self._call("sign", request, SignerAnswer)  # type: ignore[return-value]

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
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
            raise SutNoAnswer(f"{method}() raised {type(error).__name__}: {first}", facts=evidence,
                              kind="exception") from None
        evidence["duration_seconds"] = round(time.monotonic() - started, 3)
        _write(root, suffix, evidence)
        data = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer
        if isinstance(answer, model) and redact(data, secrets) == data:
            return answer
        data = redact(data, secrets)
        if not isinstance(data, dict):
            raise SutNoAnswer(f"{method}() returned {type(answer).__name__}, not a "
                              f"{model.__name__}", facts=evidence, kind="invalid-answer")
        return validated(model, data, evidence, f"{method}() result")


def _write(root: Path, suffix: str, evidence: dict[str, Any]) -> None:
    (root / f"command{suffix}.json").write_text(
        json.dumps(evidence, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
