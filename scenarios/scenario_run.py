"""What playing a scenario leaves behind: one result per step, the run, and its two forms.

:class:`StepResult` records a step's instant, what it did, and at a checkpoint the judgement (or
the software's silence) and how each defective variant fared; :class:`ScenarioRun` is the whole
timeline. A run is written as ``index.json`` beside its artifacts (:func:`write_run_index`) and
read as text, one line per step (:func:`format_run`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bilingual import say

from .judge import Judgement
from .model import Scenario
from .outcomes import SignerAnswer, VerifierAnswer
from .roles import NoAnswer


@dataclass(frozen=True)
class Figure:
    """One measured quantity of a checkpoint: a number and its unit, never judged
    (:mod:`scenarios.revocation_scale` records them)."""

    name: str
    """``sut-seconds`` (the software's answer took this long, wall clock, process start
    included), ``crl-entries``, ``crl-bytes``."""
    value: float
    unit: str
    about: str = ""
    """What it measures, when not the software (the CRL's authority: ``ca-cv``)."""


def describe_figures(figures: list[Figure]) -> str:
    """What was measured at a checkpoint, in one line (a CRL's entries and bytes together)."""
    sizes = {figure.about: figure.value for figure in figures if figure.name == "crl-bytes"}
    parts = []
    for figure in figures:
        if figure.name == "sut-seconds":
            parts.append(say(f"phần mềm trả lời trong {figure.value:.2f} giây",
                             f"the software answered in {figure.value:.2f} s"))
        elif figure.name == "crl-entries":
            size = _size_text(sizes.get(figure.about, 0))
            noun = "entry" if figure.value == 1 else "entries"
            parts.append(say(f"CRL của {figure.about}: {figure.value:,.0f} mục, {size}",
                             f"{figure.about}'s CRL: {figure.value:,.0f} {noun}, {size}"))
    return "; ".join(parts)


def _size_text(size: float) -> str:
    """``5.03 MB`` or ``1.2 kB``: a CRL's size read at a glance."""
    return f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


@dataclass
class StepResult:
    """One step as played: when, what, and at a checkpoint how the software fared."""

    index: int
    at: datetime
    description: str
    checkpoint: str | None = None
    judgement: Judgement | None = None
    error: str | None = None
    artifacts: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    answer: SignerAnswer | VerifierAnswer | None = None
    no_answer: NoAnswer | None = None
    """Set when the software under test gave no usable answer at this checkpoint (ERROR)."""
    mutants: dict[str, Judgement | NoAnswer] = field(default_factory=dict)
    """How each defective variant fared at this checkpoint (mutation testing)."""
    figures: list[Figure] = field(default_factory=list)
    """What was measured at this checkpoint (the software's time, the CRL's size): shown,
    never judged."""
    judged: bool = True
    """False: a checkpoint this run does not judge (no case of the run asks about it)."""

    @property
    def failed(self) -> bool:
        return self.error is not None or self.no_answer is not None or (
            self.judgement is not None and not self.judgement.passed)


@dataclass
class ScenarioRun:
    """A scenario as played into ``directory``: every step's result, in timeline order."""

    scenario: Scenario
    directory: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(step.failed for step in self.steps)

    @property
    def checkpoints(self) -> list[StepResult]:
        return [step for step in self.steps if step.checkpoint is not None]


def describe_step(step: object) -> str:
    """One line for a step of the timeline: what it does, to whom, producing what."""
    do = getattr(step, "do", "?")
    parts = [do]
    for attribute in ("actor", "authority", "service", "document", "input"):
        value = getattr(step, attribute, None)
        if value is not None and not (attribute == "authority" and do not in
                                      {"compromise-ca", "stale-crl", "publish-crl",
                                       "revocation-history", "renew-tsa"}):
            parts.append(f"{attribute}={value}")
    for attribute in ("level", "kind", "reason", "mode"):
        value = getattr(step, attribute, None)
        if value is not None:
            parts.append(str(getattr(value, "value", value)))
    if getattr(step, "by", None) == "fixture":
        parts.append("(fixture)")
    if getattr(step, "renew", False):
        parts.append("(renew the archive timestamp)")
    output = getattr(step, "output", None)
    if output:
        parts.append(f"→ {output}")
    return " ".join(parts)


def write_run_index(run: ScenarioRun, artifacts: dict[str, Path], testbed_directory: Path
                    ) -> None:
    """``index.json`` in the run directory: every artifact with its SHA-256, every step."""
    listed = {}
    for name, path in sorted(artifacts.items()):
        listed[name] = {"path": str(path.relative_to(run.directory)),
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    index = {
        "scenario": run.scenario.id,
        "testbed": str(testbed_directory),
        "passed": run.passed,
        "artifacts": listed,
        "steps": [{
            "index": step.index, "at": step.at.isoformat(), "what": step.description,
            "checkpoint": step.checkpoint, "requirements": step.requirements,
            "passed": None if (step.checkpoint is None or not step.judged) and step.error is None
            else not step.failed,
            "expected": step.judgement.expected if step.judgement else None,
            "actual": step.judgement.actual if step.judgement else None,
            "reason": (step.judgement.reason if step.judgement else None) or step.error
            or (f"no answer: {step.no_answer.reason}" if step.no_answer else None),
            "answer": step.answer.model_dump(mode="json") if step.answer else None,
            "artifacts": step.artifacts,
            "figures": [asdict(figure) for figure in step.figures],
        } for step in run.steps],
    }
    (run.directory / "index.json").write_text(
        json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def format_run(run: ScenarioRun, start: datetime | None = None) -> str:
    """The timeline as text: one line per step, checkpoints with ✓ / ✗ and the reason."""
    lines = [f"{run.scenario.id}: {run.scenario.title.vi} / {run.scenario.title.en}"]
    origin = start or (run.steps[0].at if run.steps else None)
    for step in run.steps:
        offset = step.at - origin if origin else timedelta(0)
        mark = " "
        if step.checkpoint or step.error:
            mark = "✗" if step.failed else "✓"
        line = f" {mark} [{_offset(offset):>7}] {step.description}"
        if step.checkpoint:
            line += f"  «{step.checkpoint}»"
        lines.append(line)
        if step.judgement is not None:
            lines.append(f"      expected {step.judgement.expected}; got {step.judgement.actual}"
                         + (f" — {step.judgement.reason}" if step.judgement.reason else ""))
        if step.error:
            lines.append(f"      error: {step.error}")
        if step.no_answer is not None:
            lines.append(f"      no usable answer (ERROR): {step.no_answer.reason}")
        if step.figures:
            lines.append("      " + describe_figures(step.figures))
    verdict = "PASSED" if run.passed else "FAILED"
    count = len(run.checkpoints)
    failed = sum(1 for step in run.steps if step.failed)
    lines.append(f"{verdict}: {count} checkpoint(s), {failed} failing step(s); "
                 f"artifacts in {run.directory}")
    return "\n".join(lines)


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    if days and not rest:
        return f"{sign}{days}d"
    hours, rest = divmod(rest, 3600)
    return f"{sign}{days}d{hours:02d}h" if days else f"{sign}{hours}h{rest // 60:02d}m"
