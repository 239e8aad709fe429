"""``kyso kit export|import``: the manual adapter's round trip, for programs a person drives.

Export plays the catalogue with the reference tools and records, at every verification case,
the document and what the tester needs (:mod:`conformance.sut.process.manual_kit` writes the kit: a
Vietnamese checklist and ``results.csv``). Import replays the same stories and, at each case,
hands the judge the answer the tester recorded instead of asking a program, so a manual run is
judged exactly like an automatic one and lands in the same ``results.json``.

Cases are recognised by where the player puts each checkpoint's work
(``<run>/<scenario>/run/work/step-<index>``). This session exports verification cases only:
signing cases need the scenario's live tokens at the checkpoint instant, which a kit carried to
another machine does not have (planned: ``kyso kit serve``).

A GUI program reads the computer's clock (``clock = "system"``, the manual kind's default): the
kit is made for a test day, each case on a timeline shifted so that its checkpoint is that day,
and it says until when it holds; import replays the stories at the same instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bilingual import say
from reports import Results
from scenarios import (
    NoAnswer,
    Scenario,
    VerifierAnswer,
    Verify,
    VerifyRequest,
    catalogue_paths,
    load_scenario,
    resolve_instant,
)
from testbed import InvalidInputError, runtime_directory, wall_clock, whole_seconds

from .cases import Case, cases_of, matches
from .reference.roles import ReferenceVerifier
from .runner import run_cases
from .scenario_runs import play
from .sut.process.manual_kit import KitCase, export_kit, import_results, kit_test_day
from .sut.profile import load_profile
from .system_clock import play_at_system_clock


def _case_at(scenarios: dict[str, Scenario], request: VerifyRequest) -> tuple[Case, int] | None:
    """The verification case a request belongs to, and the signature index it asks about."""
    if request.workdir is None or not request.workdir.name.startswith("step-"):
        return None
    # <scenario>/run/work/step-N, or <scenario>/replay-step-N/run/work/step-N (system clock)
    scenario = next((scenarios[folder.name] for folder in request.workdir.parents[1:4]
                     if folder.name in scenarios), None)
    if scenario is None:
        return None
    index = int(request.workdir.name.removeprefix("step-"))
    step = scenario.timeline[index]
    for case in cases_of(scenario):
        if case.step_index == index and isinstance(step, Verify):
            return case, step.expect.signature
    return None


class _Recorder:
    """Reference verifier that also records each case for the kit."""

    def __init__(self, scenarios: dict[str, Scenario], only: list[str],
                 formats: list[str] | None = None) -> None:
        self.scenarios = scenarios
        self.only = only
        self.formats = formats
        """The profile's formats: a case in another is not the person's to play."""
        self.cases: list[KitCase] = []
        self.answers: dict[str, VerifierAnswer] = {}
        self._reference = ReferenceVerifier()

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        answer = self._reference.verify(request)
        found = _case_at(self.scenarios, request)
        declared = self.formats is None or str(request.format) in self.formats
        if found is not None and matches(found[0], self.only) and declared:
            case = found[0]
            self.cases.append(KitCase(case.id, request, case.title.vi, case.title.en))
            self.answers[case.id] = answer
        return answer


def export(profile_path: Path, kit_dir: Path, only: tuple[str, ...] = (),
           test_day: datetime | None = None) -> dict[str, VerifierAnswer]:
    """Write the kit; returns the reference verifier's answers (what a correct program says).

    At ``clock = "system"`` (the manual kind's default: a GUI program reads the computer's
    clock) every case is made on a timeline shifted so that its checkpoint is ``test_day``
    (default: now), and the kit says until when it holds (:func:`kit_validity`)."""
    profile = load_profile(profile_path)
    if "verifier" not in profile.roles:
        raise InvalidInputError(f"{profile_path}: roles: " + say(
            "bộ kiểm thử thủ công xuất các điểm kiểm tra chữ ký số; hồ sơ này không có vai trò "
            "'verifier'",
            "the manual kit exports verification cases; this profile has no 'verifier' role"))
    scenarios = {s.id: s for s in (load_scenario(p) for p in catalogue_paths())}
    recorder = _Recorder(scenarios, list(only),
                         [str(f) for f in profile.capabilities.formats])
    system = profile.adapter.clock_mode == "system"
    at = whole_seconds(test_day) if test_day is not None else wall_clock()
    with runtime_directory() as scratch:  # the stories' testbeds: private, removed after
        for scenario in scenarios.values():
            asked = [c.step_index for c in cases_of(scenario)
                     if c.role == "verifier" and matches(c, list(only))]
            if asked and system:
                play_at_system_clock(scenario, scratch / scenario.id, signer=None,
                                     verifier=recorder, at=at, only=asked)
            elif asked:
                play(scenario, scratch / scenario.id, verifier=recorder)
        if not recorder.cases:
            raise InvalidInputError(say("--only: không có điểm kiểm tra chữ ký số nào khớp",
                                        "--only: no verification case matches"))
        window = kit_validity(scenarios, recorder.cases, at) if system else None
        export_kit(kit_dir, recorder.cases, program=f"{profile.sut.name} {profile.sut.version}",
                   window=window)
    return recorder.answers


def kit_validity(scenarios: dict[str, Scenario], cases: list[KitCase], at: datetime
                 ) -> tuple[datetime, datetime]:
    """From ``at`` until the story's next event after any of the cases' checkpoints (a day
    when no event follows): until then, the world the program sees by its clock is the one
    each case was made for."""
    room = timedelta(days=1)
    for kit_case in cases:
        scenario = scenarios[kit_case.case_id.split("::")[1]]
        index = next(c.step_index for c in cases_of(scenario) if c.id == kit_case.case_id)
        checkpoint = resolve_instant(scenario.timeline[index].at, at)
        later = [instant - checkpoint for step in scenario.timeline[index + 1:]
                 if (instant := resolve_instant(step.at, at)) > checkpoint]
        room = min([room, *later])
    return at, at + room


class _Replayer:
    """Answers each case with what the tester recorded (a missing row: no answer → ERROR)."""

    def __init__(self, scenarios: dict[str, Scenario],
                 answers: dict[str, VerifierAnswer]) -> None:
        self.scenarios = scenarios
        self.answers = answers

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        found = _case_at(self.scenarios, request)
        if found is None:
            return ReferenceVerifier().verify(request)
        case, signature = found
        answer = self.answers.get(case.id)
        if answer is None:
            raise NoAnswer(say("chưa ghi trong results.csv (dòng trống hoặc thiếu)",
                               "not recorded in results.csv (empty or missing row)"))
        if not answer.signatures:
            return answer
        # the tester records the signature the checklist names; put it where the case looks
        recorded = answer.signatures[0]
        position = signature if signature >= 0 else 0
        return replace_signatures(answer, [recorded] * (position + 1))


def replace_signatures(answer: VerifierAnswer, signatures: list) -> VerifierAnswer:  # type: ignore[type-arg]
    return answer.model_copy(update={"signatures": signatures})


def import_into(profile_path: Path, results_csv: Path, out: Path,
                policy: str = "default", progress: Callable[[str], None] = print) -> Results:
    profile = load_profile(profile_path)
    answers = {case_id: answer for case_id, answer in import_results(results_csv).items()
               if isinstance(answer, VerifierAnswer)}
    scenarios = {s.id: s for s in (load_scenario(p) for p in catalogue_paths())}
    if not answers:
        raise InvalidInputError(f"{results_csv}: " + say(
            "chưa điểm kiểm tra nào có kết quả được ghi", "no case has a recorded result yet"))
    verifier_only = profile.model_copy(update={"roles": ["verifier"]})
    return run_cases(verifier_only, None, _Replayer(scenarios, answers), out=out,
                     policy_name=policy, only=tuple(answers), profile_path=profile_path,
                     progress=progress, system_clock_at=kit_test_day(results_csv.parent))
