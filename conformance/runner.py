"""``kyso conform``: every case of the catalogue through a software under test, judged, with
evidence, written as ``results.json`` (+ JUnit XML) for the report renderers.

The catalogue's scenarios are played one by one on fresh testbeds. The SUT plays the roles its
profile declares (signer, verifier, or both); the reference tools play the others, so a verifier
under test is handed documents the reference signer made, and vice versa. Every checkpoint of a
SUT role is a case: PASS, FAIL (answered wrongly), ERROR (no usable answer: hang, crash,
garbage) or SKIPPED (an optional capability the profile declares unsupported). The profile's
capabilities are honoured for every case (:mod:`.capabilities`): a case needing one it declares
absent is not run, SKIPPED, or FAIL when a mandatory requirement is behind it. What a FAIL
costs is the validation policy's decision. One misbehaving case never stops the run.

Secrets never enter ``--out``: each scenario's testbed (its private keys, PIN files, SoftHSM
token store) is built in the run's private runtime directory (:func:`testbed.runtime_directory`:
mode 0700, outside ``--out``, removed at the end, on SIGINT/SIGTERM, and at the next start
after a killed run); once played, only its public part (certificates, CRLs, registry, trust
anchors, the tokens' access files) is published to ``out/runs/<scenario>/testbed``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import platform
import socket
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bilingual import say
from reports import (
    CaseResult,
    Evidence,
    Figure,
    Policy,
    RequirementResult,
    Results,
    RunMetadata,
    Severity,
    ShardPlan,
    SoftwareUnderTest,
    Summary,
    Text,
    Verdict,
)
from scenarios import (
    DeclaredPhrases,
    Scenario,
    ScenarioRun,
    Sign,
    Signer,
    StepResult,
    Verifier,
    catalogue_paths,
    find_variant,
    format_variants,
    load_scenario,
    vendor_phrases,
)
from testbed import (
    KEY_POOL_DIR,
    InvalidInputError,
    key_pool_directory,
    key_pool_disabled,
    runtime_directory,
    wall_clock,
)

from .capabilities import (
    CapabilityGate,
    declined_cases,
    declined_severity,
    unsupported_verdict,
)
from .case_findings import (
    case_findings,
    failed_requirements,
    fails_requirement,
    finding_counts,
)
from .cases import Case, cases_of, matches
from .conduct import conduct_findings
from .policy import Policy as PolicyModel
from .policy import load_policy
from .requirements import Level, catalogue, clause_sort_key
from .run_isolation import IsolationSettings, isolation_line, isolation_scope, run_isolation
from .scenario_runs import play
from .shards import Shard, shard_plan
from .sut.adapters import build_roles
from .sut.contract import SutUnsupported
from .sut.kinds import SERVICE_KINDS
from .sut.profile import SutProfile, load_profile
from .system_clock import play_at_system_clock
from .version import kyso_version


@dataclass(frozen=True)
class RunOptions:
    profile: Path
    out: Path
    policy: str = "default"
    only: tuple[str, ...] = ()
    jobs: int = 1
    isolation: bool = True
    """Run process SUTs in the sandbox (bubblewrap); False is ``--no-isolation``."""
    shard: Shard | None = None
    """Play only this shard's scenarios (``--shard K/N``, :mod:`.shards`)."""


def _evidence(out: Path, step: StepResult, run_dir: Path) -> list[Evidence]:
    files: list[Path] = []
    workdir = run_dir / "work" / f"step-{step.index}"
    if workdir.exists():
        files += sorted(p for p in workdir.rglob("*") if p.is_file())
    files += [path for name in step.artifacts  # a document, an XML, a .p7s and its content
              for path in sorted((run_dir / "artifacts").glob(f"{name}.*"))]
    if step.no_answer is not None:
        files += [p for p in step.no_answer.evidence.values() if p.exists()]
    evidence, seen = [], set()
    for path in files:
        if path in seen or not path.exists():
            continue
        seen.add(path)
        evidence.append(Evidence(path=os.path.relpath(path, out),
                                 sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                                 kind=_kind(path)))
    return evidence


def _kind(path: Path) -> str:
    name = path.name
    for marker, kind in (("stdout", "stdout"), ("stderr", "stderr"), ("command", "command"),
                         ("service-exchange", "exchange"), ("driver-output", "driver"),
                         ("tsa-log", "timestamp"), ("appearance-text", "appearance"),
                         (".crl", "crl"), ("ocsp-", "ocsp"), ("trace", "trace"),
                         ("expected-signer", "certificate"), (".pdf", "document"),
                         (".xml", "document"), (".p7s", "document"), (".docx", "document")):
        if marker in name:
            return kind
    return "other"


def _judge_case(case: Case, step: StepResult, skipped_outputs: set[str]) -> tuple[Verdict, str,
                                                                                    str]:
    """(verdict, actual, reason) for one checkpoint of a SUT role."""
    if isinstance(step.no_answer, SutUnsupported):
        verdict, reason = unsupported_verdict(case, step.no_answer.reason)
        return verdict, "declared unsupported", reason
    if step.no_answer is not None:
        return Verdict.ERROR, "no usable answer", step.no_answer.reason
    if step.error is not None:
        missing = next((name for name in skipped_outputs if f"'{name}'" in step.error), None)
        if missing is not None:
            return (Verdict.SKIPPED, "not run",
                    f"needs '{missing}', which a skipped case would have produced")
        return Verdict.ERROR, "the story could not be played", step.error
    assert step.judgement is not None
    if step.judgement.passed:
        # a passed checkpoint may carry warnings (Vietnamese written without diacritics) and
        # facts (a result read with a phrase the vendor declared)
        said = [f"warning: {note}" for note in step.judgement.notes] + list(step.judgement.info)
        return Verdict.PASS, step.judgement.actual, "; ".join(["as expected", *said])
    return Verdict.FAIL, step.judgement.actual, step.judgement.reason or "not as expected"


def pass_severity(verdict: Verdict, step: StepResult) -> Severity:
    """A case's severity before the policy rates a failure: WARNING for a passed checkpoint
    with notes (e.g. a Vietnamese result written without diacritics), INFO otherwise."""
    noted = verdict is Verdict.PASS and step.judgement is not None and bool(step.judgement.notes)
    return Severity.WARNING if noted else Severity.INFO


def conform(options: RunOptions, progress: Callable[[str], None] = print) -> Results:
    """Run the catalogue's cases through the SUT described by ``options.profile``."""
    profile = load_profile(options.profile)
    isolation = run_isolation(profile, options.out, enabled=options.isolation)
    signer, verifier = build_roles(profile)
    return run_cases(profile, signer, verifier, out=options.out, policy_name=options.policy,
                     only=options.only, profile_path=options.profile, progress=progress,
                     jobs=options.jobs, isolation=isolation, shard=options.shard)


def run_cases(profile: SutProfile, signer: Signer | None, verifier: Verifier | None, *,
              out: Path, policy_name: str = "default", only: tuple[str, ...] = (),
              profile_path: Path | None = None,
              progress: Callable[[str], None] = print, jobs: int = 1,
              system_clock_at: datetime | None = None,
              isolation: IsolationSettings | None = None,
              shard: Shard | None = None) -> Results:
    """Play every scenario with a case of the profile's roles; ``signer``/``verifier`` play
    those roles (the reference tools the others); judge, write results.json + JUnit.
    ``system_clock_at``: at ``clock = "system"``, the instant each checkpoint is shifted to
    (a manual kit's test day) instead of the real now. ``isolation``: the sandbox's settings
    (:func:`run_isolation`; default: isolated where bubblewrap runs). ``shard``: play only
    its part of the selection (it may be empty: a shard of a small selection)."""
    policy, policy_hash = load_policy(policy_name)
    isolation = isolation or run_isolation(profile, out, enabled=True, refuse=False)
    # each scenario once per format it applies to (PAdES first, with the ids it always had)
    scenarios = [(played, cases) for scenario in map(load_scenario, catalogue_paths())
                 for played in format_variants(scenario)
                 if (cases := _cases_for(played, profile, only))]
    if not scenarios:  # refused before ``out`` is made: a refusal leaves no empty folder behind
        raise InvalidInputError(say(
            "--only: không có điểm kiểm tra nào khớp (xem mã trong 'kyso requirements')",
            "--only: no case matches (see 'kyso requirements' for IDs)"))
    scenarios, plan = _shard_selection(scenarios, shard, only)
    total = sum(len(cases) for _, cases in scenarios)
    make_output_directory(out)
    started, clock_start = wall_clock(), time.monotonic()
    results: list[CaseResult] = []

    def judged(result: CaseResult) -> None:
        results.append(result)
        progress(f"[{len(results):3}/{total}] {result.verdict.value:7} {result.id}")

    with runtime_directory() as private, \
            run_keys(profile, private):  # the testbeds' secrets: never in ``out``
        # the SUT sees neither the output folder nor any run's runtime directory
        isolation = dataclasses.replace(isolation, hidden=(*isolation.hidden, private.parent))
        if jobs > 1 and profile_path is not None:
            _play_in_workers(scenarios, profile_path, only, (out, private), policy_name, jobs,
                             judged, isolation)
            order = {case.id: i for i, case in enumerate(c for _, cs in scenarios for c in cs)}
            results.sort(key=lambda result: order[result.id])
        else:
            with isolation_scope(isolation):
                for scenario, cases in scenarios:
                    for result in _scenario_cases(scenario, cases, profile, signer, verifier,
                                                  (out, private), policy, system_clock_at):
                        judged(result)
    finished = wall_clock()
    requirements = _requirements(profile, results, policy.name)
    summary = summarise(results, requirements)
    run = _run_metadata(profile, profile_path, Policy(name=policy.name, sha256=policy_hash),
                        results, (started, finished), clock_start)
    run = run.model_copy(update={"isolation": isolation_line(profile, isolation), "shard": plan})
    outcome = Results(run=run, cases=results, requirements=requirements, summary=summary)
    write_outputs(outcome, out)
    return outcome


def make_output_directory(out: Path) -> None:
    """Make ``out`` (empty or new), or refuse in one line naming it: a run never mixes its
    files with another's, and ``--out /proc/x`` is the user's mistake, not a crash."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInputError(f"--out: {out} không trống hoặc không phải thư mục; hãy chọn "
                                f"một thư mục mới / is not empty or not a directory; choose a new "
                                "directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInputError(f"--out: không tạo được thư mục {out} / cannot make the "
                                f"directory {out} ({error.strerror})") from None


def _shard_selection(scenarios: list[tuple[Scenario, list[Case]]], shard: Shard | None,
                     only: tuple[str, ...]
                     ) -> tuple[list[tuple[Scenario, list[Case]]], ShardPlan | None]:
    """The scenarios this run plays: all of the selection, or ``shard``'s part and its plan."""
    if shard is None:
        return scenarios, None
    plan = shard_plan(shard, {scenario.id: len(cases) for scenario, cases in scenarios}, only)
    return [(scenario, cases) for scenario, cases in scenarios
            if scenario.id in plan.assigned], plan


def _cases_for(scenario: Scenario, profile: SutProfile, only: tuple[str, ...]) -> list[Case]:
    """The scenario's cases of the profile's roles that ``--only`` selects."""
    return [c for c in cases_of(scenario) if c.role in profile.roles
            and matches(c, list(only))]


def _play_in_workers(scenarios: list[tuple[Scenario, list[Case]]], profile_path: Path,
                     only: tuple[str, ...], places: tuple[Path, Path], policy_name: str,
                     jobs: int, judged: Callable[[CaseResult], None],
                     isolation: IsolationSettings) -> None:
    """Scenarios are independent (each on its own testbed, own ports, own tokens): play them in
    worker processes, each building the SUT's roles from the profile itself."""
    with ProcessPoolExecutor(max_workers=jobs,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_scenario_cases_in_worker, profile_path, scenario.id,
                               only, places, policy_name, isolation)
                   for scenario, _ in scenarios]
        for future in as_completed(futures):
            for result in future.result():
                judged(result)


def _run_metadata(profile: SutProfile, profile_path: Path | None, policy: Policy,
                  results: list[CaseResult], span: tuple[datetime, datetime],
                  clock_start: float) -> RunMetadata:
    """The run header: kyso version, SUT and profile hash, policy, testbed instant, host."""
    started, finished = span
    testbed_instant = min((result.judged_at for result in results), default=None)
    return RunMetadata(
        kyso_version=kyso_version(),
        sut=SoftwareUnderTest(name=profile.sut.name, vendor=profile.sut.vendor,
                              version=profile.sut.version,
                              profile=str(profile_path) if profile_path else None,
                              profile_sha256=profile.sha256),
        policy=policy, roles=list(profile.roles), testbed_instant=testbed_instant or started,
        clock=profile.adapter.clock_mode,
        started_at=started, finished_at=finished, host=socket.gethostname(),
        platform=f"{platform.system()} {platform.release()} · Python "
                 f"{platform.python_version()} · {time.monotonic() - clock_start:.1f} s")


def _scenario_cases(scenario: Scenario, cases: list[Case], profile: SutProfile,
                    signer: Signer | None, verifier: Verifier | None,
                    places: tuple[Path, Path], policy: PolicyModel,
                    system_clock_at: datetime | None = None) -> list[CaseResult]:
    """Play one scenario (the SUT in its roles) and judge its cases. ``places``: the output
    folder, and the run's private runtime directory where the scenario's testbeds are built
    (only their public part is published to ``out/runs/<id>/testbed``)."""
    scenario_start = time.monotonic()
    out, private = places
    run_dir = out / "runs" / scenario.id
    declined = declined_cases(profile.capabilities, cases)
    # the vendor's own result phrases (sut.toml [display.result_phrases]) are read first
    phrases = profile.display.result_phrases.declared() if profile.display else DeclaredPhrases()
    roles = {"signer": CapabilityGate(declined, signer=signer) if "signer" in profile.roles
             else None,
             "verifier": CapabilityGate(declined, verifier=verifier)
             if "verifier" in profile.roles else None}
    with vendor_phrases(phrases):
        if profile.adapter.clock_mode == "system":
            # software that reads the machine's clock: each checkpoint on its own replay, the
            # timeline shifted so that the checkpoint is the real now
            replays = play_at_system_clock(scenario, run_dir, **roles, at=system_clock_at,
                                           private=private / scenario.id)
            run: ScenarioRun = replays.run
            replay_dirs = replays.directories
        else:
            run = play(scenario, run_dir, **roles, private=private / scenario.id,
                       judged_steps={case.step_index for case in cases})
            replay_dirs = {}
    by_index = {step.index: step for step in run.steps}
    skipped_outputs = {name for step in run.steps
                       if isinstance(step.no_answer, SutUnsupported)
                       for name in _outputs(scenario, step.index)}
    per_case = (time.monotonic() - scenario_start) / max(len(cases), 1)
    results = []
    for case in cases:
        step = by_index[case.step_index]
        verdict, actual, reason = _judge_case(case, step, skipped_outputs)
        run_root = replay_dirs.get(step.index, run_dir) / "run"  # the replay's, at the system clock
        result = CaseResult(
            id=case.id, title=Text(vi=case.title.vi, en=case.title.en),
            requirements=list(case.requirements), expected=case.expected, actual=actual,
            verdict=verdict, severity=pass_severity(verdict, step),
            reason=reason, judged_at=step.at, duration_seconds=round(per_case, 3),
            evidence=_evidence(out, step, run_root),
            figures=[Figure(**vars(figure)) for figure in step.figures],
            findings=(case_findings(case, step.judgement.checks, policy)
                      if verdict in (Verdict.PASS, Verdict.FAIL) and step.judgement is not None
                      else []) + conduct_findings(
                run_root / "work" / f"step-{step.index}", policy))
        if verdict is Verdict.FAIL:
            # what the failure costs: the worst of its failed findings, each rated by the
            # policy on the requirements it is about (a policy-decided reading must not be
            # overruled by the implicit language check)
            declined = declined_severity(case, reason, policy) \
                if step.no_answer is not None else None
            result = result.model_copy(update={"severity": declined or policy.case_severity(
                sorted(failed_requirements(result)) or list(case.requirements))})
        results.append(result)
    return results


def _scenario_cases_in_worker(profile_path: Path, scenario_id: str, only: tuple[str, ...],
                              places: tuple[Path, Path], policy_name: str,
                              isolation: IsolationSettings
                              ) -> list[CaseResult]:
    """The same, in a worker process (``--jobs``): everything rebuilt from names and paths."""
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    profile = load_profile(profile_path)
    signer, verifier = build_roles(profile)
    policy, _ = load_policy(policy_name)
    scenario = find_variant(scenario_id)
    with isolation_scope(isolation), run_keys(profile, places[1]):
        return _scenario_cases(scenario, _cases_for(scenario, profile, only), profile, signer,
                               verifier, places, policy)


LONG_LIVED_KINDS = ("manual", *SERVICE_KINDS)
"""Products that live across scenarios: a person's desktop program, a service the tester
started. They may keep a CRL, an OCSP answer or an intermediate from one scenario's hierarchy
and meet it again in the next; with keys of their own, each scenario's CAs are different CAs
to such a product, as they would be in the field."""


def run_keys(profile: SutProfile, private: Path) -> contextlib.AbstractContextManager[None]:
    """The testbeds' software keys for this run: from the run's key pool (one key per role,
    kept in the private runtime directory, shared by ``--jobs`` workers), or fresh in every
    testbed for a product that lives across scenarios (:data:`LONG_LIVED_KINDS`)."""
    if profile.adapter.kind in LONG_LIVED_KINDS:
        return key_pool_disabled()
    return key_pool_directory(private / KEY_POOL_DIR)


def _outputs(scenario: Scenario, index: int) -> list[str]:
    step = scenario.timeline[index]
    return [step.output] if isinstance(step, Sign) else []


def summarise(cases: list[CaseResult], requirements: list[RequirementResult]) -> Summary:
    """A run's counts: cases and requirements by verdict, the mandatory requirements failed,
    the findings (one run, or shards merged into one)."""
    return Summary(
        cases=dict(Counter(case.verdict for case in cases)),
        requirements=dict(Counter(row.verdict for row in requirements)),
        mandatory_failures=[row.id for row in requirements if row.verdict is Verdict.FAIL
                            and row.level == Level.MANDATORY.value],
        findings=finding_counts(cases))


def _requirements(profile: SutProfile, results: list[CaseResult],
                  policy_name: str) -> list[RequirementResult]:
    rows = []
    for requirement in sorted(catalogue().values(), key=lambda r: clause_sort_key(r.id)):
        if not set(requirement.roles) & set(profile.roles) or \
                not set(requirement.regimes) & set(profile.regimes):
            continue
        # a case evidences the requirements it cites, and any its failure is about (a signer
        # case failed for the signature's format, whichever checkpoint it was)
        cases = [r for r in results if requirement.id in r.requirements or (
            r.verdict is Verdict.FAIL and requirement.id in failed_requirements(r))]
        verdicts = {c.verdict for c in cases}
        if any(fails_requirement(c, requirement.id) for c in cases):
            verdict = Verdict.FAIL
        elif Verdict.ERROR in verdicts:
            verdict = Verdict.ERROR
        elif Verdict.PASS in verdicts or any(c.verdict is Verdict.FAIL for c in cases):
            # failures the policy rates WARNING/INFO, or failures of another requirement the
            # same case evidences, do not fail this one
            verdict = Verdict.PASS
        else:
            verdict = Verdict.SKIPPED
        rows.append(RequirementResult(
            id=requirement.id, clause=requirement.clause,
            confidence=requirement.confidence.value, level=requirement.level.value,
            statement=Text(vi=requirement.statement.vi, en=requirement.statement.en),
            verdict=verdict, cases=[c.id for c in cases]))
    del policy_name
    return rows


def write_outputs(results: Results, out: Path) -> None:
    """results.json and junit.xml, each written atomically (never half a file)."""
    _atomic(out / "results.json", results.model_dump_json(indent=2) + "\n")
    try:
        from reports import render_junit
    except ImportError:  # renderers arrive separately; results.json is the contract
        return
    _atomic(out / "junit.xml", render_junit(results))


def _atomic(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def exit_code(results: Results) -> int:
    """0 all pass; 1 some FAIL that the policy rates FAIL; 3 some ERROR (and no such FAIL)."""
    if any(c.verdict is Verdict.FAIL and c.severity is Severity.FAIL for c in results.cases):
        return 1
    if any(c.verdict is Verdict.ERROR for c in results.cases):
        return 3
    return 0
