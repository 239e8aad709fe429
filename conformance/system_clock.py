"""Playing a scenario for software that reads the machine's clock (``adapter.clock = "system"``).

Such a product cannot be told "it is now 2027-03-14": it judges at the real now. So each of its
checkpoints is played on its own fresh testbed, on a timeline shifted as a whole so that the
checkpoint's instant is the wall clock: certificates are issued, revoked and expired, documents
signed and timestamped, in the past; when the checkpoint comes, the testbed follows the wall
clock (its services answer at the real time) while the product answers. The product then sees
a coherent world through its own clock. The cost is one replay of the story, up to the
checkpoint, per checkpoint; earlier signing checkpoints are played by the story's reference
signer in each replay, so a later verification checks a reference signature.

Each replay lives in ``DIRECTORY/replay-step-N/`` (``testbed/`` and ``run/``, as for one play;
in a conformance run the testbed is built in the private runtime directory and only its public
part lands in ``testbed/``); :class:`SystemClockRun` says which directory holds a step's
evidence.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from scenarios import (
    Scenario,
    ScenarioRun,
    Sign,
    Signer,
    StepResult,
    Verifier,
    Verify,
    resolve_instant,
)
from testbed import parse_instant, wall_clock

from .scenario_runs import play


@dataclass
class SystemClockRun:
    """The checkpoints' results gathered from their replays, and where each one's files are."""

    run: ScenarioRun
    directories: dict[int, Path] = field(default_factory=dict)
    """Step index → the replay directory holding its ``run/`` and ``testbed/``."""


def asked_steps(scenario: Scenario, *, signer: bool, verifier: bool) -> list[int]:
    """The indices of the checkpoints the software under test answers."""
    return [index for index, step in scenario.checkpoints()
            if (isinstance(step, Sign) and signer) or (isinstance(step, Verify) and verifier)]


def shifted(scenario: Scenario, index: int, now: datetime) -> Scenario:
    """``scenario`` with its start moved so that step ``index`` falls at ``now``."""
    start = parse_instant(scenario.start, field="start") if scenario.start else now
    at = resolve_instant(scenario.timeline[index].at, start)
    return scenario.model_copy(update={"start": (start + (now - at)).isoformat()})


def play_at_system_clock(scenario: Scenario, directory: Path, *, signer: Signer | None,
                         verifier: Verifier | None, at: datetime | None = None,
                         only: Collection[int] | None = None,
                         private: Path | None = None) -> SystemClockRun:
    """One replay per checkpoint the software answers, each shifted to the real now (or, for a
    kit made for a test day, to ``at``, the checkpoint then pinned there); ``only``: just
    these checkpoints' replays. ``private``: each replay's testbed is built in
    ``private/replay-step-N/`` and only its public part published (:func:`.scenario_runs.play`)."""
    directory.mkdir(parents=True, exist_ok=True)
    gathered = SystemClockRun(ScenarioRun(scenario, directory))
    steps: dict[int, StepResult] = {}
    for index in asked_steps(scenario, signer=signer is not None,
                             verifier=verifier is not None):
        if only is not None and index not in only:
            continue
        replay = directory / f"replay-step-{index}"
        run = play(shifted(scenario, index, at or wall_clock()), replay, signer=signer,
                   verifier=verifier, live_step=index, live_at_wall_clock=at is None,
                   private=None if private is None else private / replay.name)
        for step in run.steps:
            if step.index == index or step.index not in steps:
                steps[step.index] = step
                gathered.directories[step.index] = replay
    gathered.run.steps = [steps[index] for index in sorted(steps)]
    return gathered


__all__ = ["SystemClockRun", "asked_steps", "play_at_system_clock", "shifted"]
