"""The mutation table: which checkpoint catches which defective variant (``kyso mutants``).

The whole catalogue is played once with the reference tools; at every checkpoint every
defective variant of that role is asked the same question beside the story. A defect is caught
where its answer is judged wrong (or it gives no answer). A defect no checkpoint catches means
the suite cannot tell that mistake from correct behaviour: a hole to fill with a new checkpoint.

Scenarios are independent (each on its own testbed), so ``jobs`` > 1 plays them in worker
processes the way ``kyso conform --jobs`` does (:mod:`conformance.runner`); the table is then
filled in catalogue order, the same table whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bilingual import say
from conformance.reference.defects import Defect, mutants
from conformance.scenario_runs import play
from scenarios import Judgement, ScenarioRun, catalogue_paths, format_variants, load_scenario


@dataclass
class MutationTable:
    caught: dict[Defect, list[str]] = field(default_factory=dict)
    """Defect → the checkpoints (scenario::checkpoint) that caught it."""
    reference_failures: list[str] = field(default_factory=list)
    """Checkpoints the reference tools themselves failed (the table is then not meaningful)."""

    @property
    def uncaught(self) -> list[Defect]:
        return [defect for defect in Defect if not self.caught.get(defect)]

    def render(self) -> str:
        width = max(len(defect.value) for defect in Defect)
        role = say("vai trò", "role")
        role_width = max(8, len(role))
        lines = [f"{say('lỗi', 'defect'):{width}} {role:{role_width}} "
                 + say("bắt được bởi", "caught by")]
        for defect in Defect:
            catchers = self.caught.get(defect, [])
            shown = ", ".join(catchers[:4]) + (f" (+{len(catchers) - 4})"
                                               if len(catchers) > 4 else "")
            shown = shown or say("KHÔNG BẮT ĐƯỢC", "NOT CAUGHT")
            lines.append(f"{defect.value:{width}} {defect.role:{role_width}} {shown}")
            lines.append(f"{'':{width + role_width + 1}}↳ {defect.rule}")
        count = f"{len(Defect) - len(self.uncaught)}/{len(Defect)}"
        lines.append(say(f"bắt được {count} lỗi", f"{count} defects caught"))
        if self.reference_failures:
            failed = ", ".join(self.reference_failures)
            lines.append(say(f"công cụ tham chiếu không đạt: {failed}",
                             f"reference tools failed: {failed}"))
        return "\n".join(lines)


@dataclass(frozen=True)
class PlayedScenario:
    """What the table keeps of one scenario played with every defect: plain data, so that a
    worker process can send it back."""

    scenario: str
    checkpoints: tuple[tuple[str, bool, tuple[str, ...]], ...]
    """(scenario::checkpoint, whether the reference tools failed it, the defects it caught)."""


def played(run: ScenarioRun) -> PlayedScenario:
    """The checkpoints of ``run`` and the defects each one caught."""
    return PlayedScenario(run.scenario.id, tuple(
        (f"{run.scenario.id}::{step.checkpoint}", step.failed,
         tuple(name for name, outcome in step.mutants.items()
               if not isinstance(outcome, Judgement) or not outcome.passed))
        for step in run.checkpoints))


def record(table: MutationTable, scenario: PlayedScenario | ScenarioRun) -> int:
    """Add one played scenario to the table; returns how many defects it caught."""
    if not isinstance(scenario, PlayedScenario):
        scenario = played(scenario)
    caught: set[str] = set()
    for name, failed, defects in scenario.checkpoints:
        if failed:
            table.reference_failures.append(name)
        for defect_name in defects:
            table.caught.setdefault(Defect(defect_name), []).append(name)
            caught.add(defect_name)
    return len(caught)


def progress_line(index: int, total: int, scenario: str, caught: int) -> str:
    """``[3/31] certification-levels: bắt được 2 lỗi / 2 defects caught``: the whole catalogue
    takes minutes, so a person sees it move, one line per scenario."""
    english = "defect" if caught == 1 else "defects"
    return f"[{index}/{total}] {scenario}: " + say(f"bắt được {caught} lỗi",
                                                   f"{caught} {english} caught")


def play_with_defects(path: Path, root: Path, defects: tuple[Any, Any] | None = None
                      ) -> PlayedScenario:
    """Play the scenario at ``path`` under ``root`` in every format it applies to, every defect
    asked at every checkpoint (``defects``: the defective signers and verifiers, made here when
    not given)."""
    signers, verifiers = defects or mutants()
    scenario = load_scenario(path)
    checkpoints: list[tuple[str, bool, tuple[str, ...]]] = []
    for variant in format_variants(scenario):  # once per format the story applies to
        checkpoints += played(play(variant, root / variant.id, mutant_signers=signers,
                                   mutant_verifiers=verifiers)).checkpoints
    return PlayedScenario(scenario.id, tuple(checkpoints))


def mutation_table(paths: list[Path] | None = None, directory: Path | None = None,
                   progress: Callable[[str], None] | None = None, jobs: int = 1
                   ) -> MutationTable:
    """Play ``paths`` (default: the whole catalogue) with every defect, ``jobs`` scenarios at a
    time; ``progress`` is given one :func:`progress_line` per scenario played."""
    chosen = paths or catalogue_paths()
    results: dict[Path, PlayedScenario] = {}
    with tempfile.TemporaryDirectory(prefix="kyso-mutants-") as scratch:
        root = directory or Path(scratch)
        if jobs > 1:
            _play_in_workers(chosen, root, jobs, results, progress)
        else:
            defects = mutants()
            for index, path in enumerate(chosen, start=1):
                results[path] = play_with_defects(path, root, defects)
                if progress is not None:
                    progress(progress_line(index, len(chosen), results[path].scenario,
                                           _caught(results[path])))
    table = MutationTable()
    for path in chosen:  # catalogue order, whichever worker finished first
        record(table, results[path])
    return table


def _caught(scenario: PlayedScenario) -> int:
    return len({defect for _, _, defects in scenario.checkpoints for defect in defects})


def _play_in_workers(chosen: list[Path], root: Path, jobs: int,
                     results: dict[Path, PlayedScenario],
                     progress: Callable[[str], None] | None) -> None:
    """Each scenario in a worker process (spawned, as ``kyso conform --jobs`` does: the
    libraries' threads and event loops do not survive a fork); progress as they finish."""
    with ProcessPoolExecutor(max_workers=jobs,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(_play_in_worker, path, root): path for path in chosen}
        for index, future in enumerate(as_completed(futures), start=1):
            path = futures[future]
            results[path] = future.result()
            if progress is not None:
                progress(progress_line(index, len(chosen), results[path].scenario,
                                       _caught(results[path])))


def _play_in_worker(path: Path, root: Path) -> PlayedScenario:
    """:func:`play_with_defects` in a worker, the libraries' logs quiet as in the parent."""
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return play_with_defects(path, root)
