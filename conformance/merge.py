"""``kyso report merge``: the shards of a run spread over machines, put back into one run.

A shard (``kyso conform --shard K/N``) records the whole run's plan (:class:`reports.ShardPlan`).
Merging refuses, in one line naming the file and the field and before anything is written,
shards that do not belong together: another software, profile, policy, catalogue or kyso
version, another split (N, ``--only``, the run's scenarios), a shard given twice or missing, a
scenario played by two. What is merged is what one unsharded run would have written, case by
case, in the same order; the requirements' verdicts are combined as the runner concludes them
(FAIL, then ERROR, then PASS, else SKIPPED); the run records the shards it came from (each
one's host and time). Each shard's evidence (``runs/<scenario>``, beside its ``results.json``)
is copied, so that the merged run's evidence paths hold.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from bilingual import say
from reports import (
    CaseResult,
    RequirementResult,
    Results,
    ResultsFileError,
    RunMetadata,
    ShardOrigin,
    ShardPlan,
    Verdict,
    load_results,
)
from testbed import InvalidInputError

from .runner import make_output_directory, summarise, write_outputs

Shards = list[tuple[Path, Results]]

BELONGING: tuple[tuple[str, Callable[[Results], object]], ...] = (
    ("run.kyso_version", lambda r: r.run.kyso_version),
    ("run.sut.name", lambda r: r.run.sut.name),
    ("run.sut.version", lambda r: r.run.sut.version),
    ("run.sut.profile_sha256", lambda r: r.run.sut.profile_sha256),
    ("run.policy.name", lambda r: r.run.policy.name),
    ("run.policy.sha256", lambda r: r.run.policy.sha256),
    ("run.roles", lambda r: r.run.roles),
    ("run.clock", lambda r: r.run.clock),
    ("run.shard.count", lambda r: _plan(r).count),
    ("run.shard.catalogue_sha256", lambda r: _plan(r).catalogue_sha256),
    ("run.shard.only", lambda r: sorted(_plan(r).only)),
    ("run.shard.scenarios", lambda r: _plan(r).scenarios),
    ("requirements", lambda r: [row.id for row in r.requirements]),
)
"""What every shard of one run has in common, by the field a refusal names."""

VERDICT_ORDER = (Verdict.FAIL, Verdict.ERROR, Verdict.PASS)
"""A requirement's verdict over the shards: the first of these any shard concluded, else
SKIPPED (the runner's own order: a failed case fails it, then an error, then a pass)."""


def _plan(results: Results) -> ShardPlan:
    assert results.run.shard is not None
    return results.run.shard


def merge_shards(paths: list[Path], out: Path) -> Results:
    """Check that ``paths`` are the shards of one run, then write the merged run to ``out``
    (results.json, junit.xml, the shards' evidence). Nothing is written on a refusal."""
    shards = [(path, _load_shard(path)) for path in paths]
    check_together(shards)
    merged = merged_results(shards)
    make_output_directory(out)
    for path, results in shards:
        for scenario in _plan(results).assigned:
            source = path.parent / "runs" / scenario
            if source.is_dir():
                shutil.copytree(source, out / "runs" / scenario, symlinks=True)
    write_outputs(merged, out)
    return merged


def _load_shard(path: Path) -> Results:
    try:
        results = load_results(path)
    except ResultsFileError as error:
        raise InvalidInputError(str(error)) from None
    if results.run.shard is None:
        raise InvalidInputError(say(
            f"{path}: run.shard: không phải kết quả của một phần (kyso conform --shard K/N)",
            f"{path}: run.shard: not the results of a shard (kyso conform --shard K/N)"))
    return results


def check_together(shards: Shards) -> None:
    """Refuse shards that are not the parts of one run, naming the file and the field."""
    first_path, first = shards[0]
    for path, results in shards[1:]:
        for field, value in BELONGING:
            if value(results) != value(first):
                raise InvalidInputError(say(
                    f"{path}: {field}: khác với {first_path} ({value(results)} ≠ "
                    f"{value(first)}); các phần không thuộc cùng một lượt chạy",
                    f"{path}: {field}: differs from {first_path} ({value(results)} ≠ "
                    f"{value(first)}); the shards are not parts of one run"))
    _check_indices(shards)
    _check_scenarios(shards)


def _check_indices(shards: Shards) -> None:
    """Each of the N shards exactly once."""
    seen: dict[int, Path] = {}
    for path, results in shards:
        index = _plan(results).index
        if index in seen:
            raise InvalidInputError(say(
                f"{path}: run.shard.index: phần {index} đã có ở {seen[index]}",
                f"{path}: run.shard.index: shard {index} is also {seen[index]}"))
        seen[index] = path
    count = _plan(shards[0][1]).count
    missing = sorted(set(range(1, count + 1)) - set(seen))
    if missing:
        names = ", ".join(f"{k}/{count}" for k in missing)
        raise InvalidInputError(say(
            f"{shards[0][0]}: run.shard.count: thiếu phần {names}",
            f"{shards[0][0]}: run.shard.count: shard {names} missing"))


def _check_scenarios(shards: Shards) -> None:
    """Every scenario of the run played by exactly one shard, and every case of it there."""
    played: dict[str, Path] = {}
    for path, results in shards:
        plan = _plan(results)
        for scenario in plan.assigned:
            if scenario in played:
                raise InvalidInputError(say(
                    f"{path}: run.shard.assigned: kịch bản {scenario} đã chạy ở {played[scenario]}",
                    f"{path}: run.shard.assigned: scenario {scenario} also played in "
                    f"{played[scenario]}"))
            played[scenario] = path
        stray = next((case.id for case in results.cases
                      if _scenario_of(case) not in plan.assigned), None)
        if stray is not None:
            raise InvalidInputError(say(
                f"{path}: cases: {stray} không thuộc các kịch bản của phần này",
                f"{path}: cases: {stray} is not of this shard's scenarios"))
    path, first = shards[0]
    cases = sum(len(results.cases) for _, results in shards)
    if set(played) != set(_plan(first).scenarios) or cases != _plan(first).selected_cases:
        raise InvalidInputError(say(
            f"{path}: run.shard.selected_cases: các phần có {cases} điểm kiểm tra, lượt chạy "
            f"có {_plan(first).selected_cases}",
            f"{path}: run.shard.selected_cases: the shards hold {cases} cases, the run "
            f"{_plan(first).selected_cases}"))


def _scenario_of(case: CaseResult) -> str:
    """The scenario of a case ID ``role::scenario::checkpoint``."""
    return case.id.split("::")[1] if case.id.count("::") >= 2 else ""


def merged_results(shards: Shards) -> Results:
    """The one run the shards are parts of: cases in the run's order, requirements combined."""
    first = shards[0][1]
    by_scenario: dict[str, list[CaseResult]] = {}
    for _, results in shards:
        for case in results.cases:
            by_scenario.setdefault(_scenario_of(case), []).append(case)
    cases = [case for scenario in _plan(first).scenarios
             for case in by_scenario.get(scenario, [])]
    requirements = [_merged_requirement([r.requirements[i] for _, r in shards], cases)
                    for i in range(len(first.requirements))]
    return Results(run=_merged_run([results for _, results in shards]), cases=cases,
                   requirements=requirements, summary=summarise(cases, requirements))


def _merged_requirement(rows: list[RequirementResult],
                        cases: list[CaseResult]) -> RequirementResult:
    verdicts = {row.verdict for row in rows}
    verdict = next((v for v in VERDICT_ORDER if v in verdicts), Verdict.SKIPPED)
    cited = {case_id for row in rows for case_id in row.cases}
    return rows[0].model_copy(update={
        "verdict": verdict, "cases": [case.id for case in cases if case.id in cited]})


def _merged_run(shards: list[Results]) -> RunMetadata:
    """The first shard's header, over the whole span, naming every shard's host and time."""
    ordered = sorted(shards, key=lambda results: _plan(results).index)
    runs = [results.run for results in ordered]
    return runs[0].model_copy(update={
        "testbed_instant": min((case.judged_at for results in shards for case in results.cases),
                               default=min(run.testbed_instant for run in runs)),
        "started_at": min(run.started_at for run in runs),
        "finished_at": max(run.finished_at for run in runs),
        "host": _distinct(run.host for run in runs),
        "platform": _distinct(run.platform for run in runs),
        "isolation": _distinct(run.isolation or "" for run in runs) or None,
        "shard": None,
        "merged_from": [ShardOrigin(index=_plan(results).index, host=results.run.host,
                                    platform=results.run.platform,
                                    started_at=results.run.started_at,
                                    finished_at=results.run.finished_at,
                                    cases=len(results.cases)) for results in ordered]})


def _distinct(values: Iterable[str]) -> str:
    """Each different value once, in order: one host when all shards ran on it."""
    return " | ".join(dict.fromkeys(str(value) for value in values))


__all__ = ["check_together", "merge_shards", "merged_results"]
