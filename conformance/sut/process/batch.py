"""The ``batch`` adapter: one sandboxed process answers many cases (like x509-limbo harnesses).

The SUT reads a :class:`~conformance.sut.contract.BatchInput` (``{"version": 1, "cases":
[...]}``) on stdin and prints a :class:`~conformance.sut.contract.BatchOutput` (``{"version":
1, "results": [{"case_id": ..., "answer": {...}} | {"case_id": ..., "unsupported": "why"}]}``)
on stdout; each result echoes its case's ID. The timeout is the profile's per-case timeout times
the number of cases.

Two ways in:

* :func:`run_batch` runs many cases in one process: the fast path for a runner that knows all
  its cases in advance. A process-level failure (hang, crash, garbage) makes every case of the
  batch ERROR; a case missing from the results is ERROR on its own.
* :class:`BatchSut` implements the scenario player's Signer/Verifier, which asks one case at a
  time: each call is a batch of one (same program, same protocol, no speed gain).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from conformance.sut.contract import (
    SutNoAnswer,
    SutUnsupported,
    batch_input_json,
    sign_case,
    verify_case,
)
from conformance.sut.placeholders import TRUST_FORM_PLACEHOLDERS, template_fields
from conformance.sut.process.calls import (
    call_slot,
    common_values,
    expand,
    json_object,
    path_grants,
    process_problem,
    request_paths,
    run_call,
    token_grants,
    trust_form_values,
    validated,
)
from conformance.sut.process.sandbox import SandboxGrants
from conformance.sut.profile import BatchAdapter, SutProfile
from scenarios import SignerAnswer, SignRequest, VerifierAnswer, VerifyRequest

BatchOutcome = SignerAnswer | VerifierAnswer | SutNoAnswer
"""Per case: an answer, or the exception to record (SutUnsupported for SKIPPED)."""


@dataclass
class _BatchPlan:
    """What one batch hands its process: the cases, what they grant, their tokens and PINs;
    a case that cannot even be asked (declared unsupported, unreadable token) is an outcome
    already."""

    cases: list[Any] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, BatchOutcome] = field(default_factory=dict)
    token_env: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    outputs: set[Path] = field(default_factory=set)
    grants: SandboxGrants = SandboxGrants()

    def add(self, profile: SutProfile, case_id: str,
            request: SignRequest | VerifyRequest) -> None:
        if case_id in self.roles:
            raise ValueError(say(f"mã điểm kiểm tra {case_id!r} xuất hiện hai lần trong một lô",
                                 f"case ID {case_id!r} appears twice in one batch"))
        try:
            if isinstance(request, SignRequest):
                declared_unsupported(profile, request)
                # Cases of one testbed share one token environment; later cases win a conflict.
                access = token_access_of(request)
                self.token_env.update(access.env)
                self.grants = self.grants.plus(token_grants(access, access))
                self.secrets.extend(case_secrets(request.pin_file))
                self.outputs.add(Path(request.output).resolve().parent)
                self.cases.append(sign_case(request, case_id))
                self.roles[case_id] = "sign"
            else:
                declared_unsupported(profile, request)
                self.cases.append(verify_case(request, case_id))
                self.roles[case_id] = "verify"
        except SutNoAnswer as problem:
            self.outcomes[case_id] = problem
            return
        self.grants = self.grants.plus(SandboxGrants(read_only=tuple(request_paths(request))))


def run_batch(profile: SutProfile, requests: Sequence[tuple[str, SignRequest | VerifyRequest]],
              directory: Path) -> dict[str, BatchOutcome]:
    """Run ``requests`` (case ID, request) in one SUT process; never raises for the SUT.

    ``directory`` receives the evidence (``command.json``, ``stdout.txt``, ``stderr.txt``) and
    the SUT's working directory ``sut/``; it must be private to this batch.
    """
    settings = _settings(profile)
    plan = _BatchPlan()
    for case_id, request in requests:
        plan.add(profile, case_id, request)
    cases, roles, outcomes, grants = plan.cases, plan.roles, plan.outcomes, plan.grants
    token_env, secrets, outputs = plan.token_env, plan.secrets, plan.outputs
    if not cases:
        return outcomes
    root = case_root(directory)
    workdir, suffix = call_slot(root)
    stdin = batch_input_json(cases)
    values = common_values(profile, workdir)
    if any(name in TRUST_FORM_PLACEHOLDERS for argument in settings.command
           for name in template_fields(argument)):
        values.update(trust_form_values(settings.command, _shared_anchors(requests)))
    result, evidence = run_call(
        expand(settings.command, values), root=root, workdir=workdir,
        suffix=suffix, env=sut_environment(profile, workdir, token_env,
                                            at=_shared_instant(profile, requests)),
        timeout_seconds=settings.timeout_seconds * len(cases), stdin=stdin,
        allowed_output_dirs=sorted(outputs), secrets=secrets,
        grants=grants.plus(SandboxGrants(read_only=tuple(path_grants(values)))))
    try:
        process_problem(result, evidence, settings.unsupported_exit_code)
        results = _results(json_object(result, evidence), evidence)
    except SutNoAnswer as problem:
        for case_id in roles:
            outcomes[case_id] = problem
        return outcomes
    for case_id, role in roles.items():
        outcomes[case_id] = _outcome(case_id, role, results.get(case_id), evidence)
    return outcomes


def _shared_instant(profile: SutProfile,
                    requests: Sequence[tuple[str, SignRequest | VerifyRequest]]) -> datetime:
    """The one instant of the batch's cases (``clock = "faketime"``: one process, one clock)."""
    instants = {request.moment for _, request in requests}
    if len(instants) > 1 and profile.adapter.clock_mode == "faketime":
        raise ValueError("adapter.clock = 'faketime': " + say(
            "các điểm kiểm tra của lô này ở những thời điểm khác nhau, mà một tiến trình chỉ có "
            "một đồng hồ: hãy chạy chúng trong các lô riêng",
            "the cases of this batch are at different instants, and one process has one "
            "clock: run them in separate batches"))
    return min(instants)


def _shared_anchors(requests: Sequence[tuple[str, SignRequest | VerifyRequest]]) -> list[Path]:
    """The trust anchors of the batch, for the command's trust-form placeholders
    (``{trust_nss_db}``...): one process gets one trust store, so every case must share it."""
    anchors = {frozenset(Path(p).resolve() for p in request.trust_roots) for _, request in requests}
    if len(anchors) > 1:
        raise ValueError(say(
            "lệnh chạy lô chỉ định một kho tin cậy, nhưng các điểm kiểm tra của lô này không "
            "dùng chung chứng thư gốc tin cậy: hãy chạy chúng trong các lô riêng",
            "the batch command names a trust store, but the cases of this batch do not share "
            "their trust anchors: run them in separate batches"))
    return sorted(next(iter(anchors), frozenset()))


def _settings(profile: SutProfile) -> BatchAdapter:
    if profile.adapter.batch is None:
        raise ValueError(say("chạy theo lô cần hồ sơ có adapter.kind = 'batch'",
                             "a batch run needs a profile with adapter.kind = 'batch'"))
    return profile.adapter.batch


def _results(output: dict[str, Any], evidence: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The results by case ID (the envelope checked; each answer is checked by its role)."""
    if output.get("version") != 1 or not isinstance(output.get("results"), list):
        shown = json.dumps(output)[:200]
        envelope = '{"version": 1, "results": [...]}'
        raise SutNoAnswer(say(
            f"stdout không phải đầu ra lô theo contract-v1 ({envelope}); nhận được {shown}",
            f"stdout is not a contract-v1 batch output ({envelope}); got {shown}"),
            facts=evidence, kind="invalid-answer")
    found: dict[str, dict[str, Any]] = {}
    for item in output["results"]:
        if isinstance(item, dict) and isinstance(item.get("case_id"), str):
            found.setdefault(item["case_id"], item)
    return found


def _outcome(case_id: str, role: str, item: dict[str, Any] | None,
             evidence: dict[str, Any]) -> BatchOutcome:
    where = f"results[case_id={case_id}]"
    if item is None:
        return SutNoAnswer(say(f"đầu ra của lô không có kết quả cho điểm kiểm tra {case_id}",
                               f"the batch output has no result for case {case_id}"),
                           facts=evidence, kind="missing-result")
    extra = set(item) - {"case_id", "answer", "unsupported"}
    if extra:
        return SutNoAnswer(f"{where}: " + say(f"trường không xác định {sorted(extra)}",
                                              f"unknown key(s) {sorted(extra)}"),
                           facts=evidence, kind="invalid-answer")
    if isinstance(item.get("unsupported"), str):
        why = item["unsupported"]
        return SutUnsupported(say(
            f"phần mềm được kiểm thử khai báo không hỗ trợ điểm kiểm tra này: {why}",
            f"the SUT declared this case unsupported: {why}"), facts=evidence)
    model = SignerAnswer if role == "sign" else VerifierAnswer
    try:
        return validated(model, item.get("answer"), evidence, f"{where}.answer")
    except SutNoAnswer as problem:
        return problem


class BatchSut:
    """The scenario player's Signer and Verifier over a batch SUT: one batch per call."""

    def __init__(self, profile: SutProfile) -> None:
        _settings(profile)
        self.profile = profile
        self.name = f"{profile.sut.name} {profile.sut.version} (batch)"

    def _one(self, request: SignRequest | VerifyRequest) -> BatchOutcome:
        root = case_root(request.workdir)
        case_id = root.name
        return run_batch(self.profile, [(case_id, request)], root)[case_id]

    def sign(self, request: SignRequest) -> SignerAnswer:
        outcome = self._one(request)
        if isinstance(outcome, SutNoAnswer):
            raise outcome
        assert isinstance(outcome, SignerAnswer)
        return outcome

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        outcome = self._one(request)
        if isinstance(outcome, SutNoAnswer):
            raise outcome
        assert isinstance(outcome, VerifierAnswer)
        return outcome
