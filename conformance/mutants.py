"""The mutation table: which checkpoint catches which defective variant (``kyso mutants``).

The whole catalogue is played once with the reference tools; at every checkpoint every
defective variant of that role is asked the same question beside the story. A defect is caught
where its answer is judged wrong (or it gives no answer). A defect no checkpoint catches means
the suite cannot tell that mistake from correct behaviour: a hole to fill with a new checkpoint.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bilingual import say
from conformance.reference.defects import Defect, mutants
from conformance.scenario_runs import play
from scenarios import Judgement, ScenarioRun, catalogue_paths, load_scenario


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
        lines = [f"{say('lỗi', 'defect'):{width}} {say('vai trò', 'role'):8} "
                 + say("bị bắt bởi", "caught by")]
        for defect in Defect:
            catchers = self.caught.get(defect, [])
            shown = ", ".join(catchers[:4]) + (f" (+{len(catchers) - 4})"
                                               if len(catchers) > 4 else "")
            lines.append(f"{defect.value:{width}} {defect.role:8} "
                         + (shown or say("KHÔNG BỊ BẮT", "NOT CAUGHT")))
            lines.append(f"{'':{width + 9}}↳ {defect.rule}")
        share = f"{len(Defect) - len(self.uncaught)}/{len(Defect)}"
        lines.append(say(f"bắt được {share} lỗi", f"{share} defects caught"))
        if self.reference_failures:
            lines.append(say("công cụ tham chiếu không đạt", "reference tools failed") + ": "
                         + ", ".join(self.reference_failures))
        return "\n".join(lines)


def record(table: MutationTable, run: ScenarioRun) -> int:
    """Add one played scenario to the table; returns how many defects it caught."""
    caught: set[str] = set()
    for step in run.checkpoints:
        name = f"{run.scenario.id}::{step.checkpoint}"
        if step.failed:
            table.reference_failures.append(name)
        for defect_name, outcome in step.mutants.items():
            if not isinstance(outcome, Judgement) or not outcome.passed:
                table.caught.setdefault(Defect(defect_name), []).append(name)
                caught.add(defect_name)
    return len(caught)


def progress_line(index: int, total: int, scenario: str, caught: int) -> str:
    """``[3/31] certification-levels: bắt được 2 lỗi / 2 defects caught``: the whole catalogue
    takes minutes, so a person sees it move, one line per scenario."""
    english = "defect" if caught == 1 else "defects"
    return (f"[{index}/{total}] {scenario}: bắt được {caught} lỗi / "
            f"{caught} {english} caught")


def mutation_table(paths: list[Path] | None = None, directory: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> MutationTable:
    """Play ``paths`` (default: the whole catalogue) with every defect; ``progress`` is given
    one :func:`progress_line` per scenario played."""
    signers, verifiers = mutants()
    table = MutationTable()
    chosen = paths or catalogue_paths()
    with tempfile.TemporaryDirectory(prefix="kyso-mutants-") as scratch:
        root = directory or Path(scratch)
        for index, path in enumerate(chosen, start=1):
            scenario = load_scenario(path)
            run = play(scenario, root / scenario.id, mutant_signers=signers,
                       mutant_verifiers=verifiers)
            caught = record(table, run)
            if progress is not None:
                progress(progress_line(index, len(chosen), scenario.id, caught))
    return table
