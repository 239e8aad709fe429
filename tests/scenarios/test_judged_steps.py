"""A run that judges some checkpoints only (a SUT's roles, ``--only``): the story is played as
before, but a signature no case asks about is not inspected and a verification no case reads is
not asked for (issue 22: the suite's own cost per case)."""

from __future__ import annotations

import json
from pathlib import Path

from conformance.reference.roles import ReferenceVerifier
from conformance.scenario_runs import play
from scenarios.loader import find_scenario, load_scenario
from scenarios.model import Verify
from scenarios.outcomes import VerifierAnswer
from scenarios.roles import VerifyRequest
from scenarios.scenario_run import format_run

SIGN_B_LT, VERIFY_B_LT = 3, 7
"""happy-path: the B-LT signing checkpoint and the verification of its document."""


class CountingVerifier:
    """The reference verifier, counting the questions it is asked."""

    name = "kyso reference verifier (counting)"

    def __init__(self) -> None:
        self.inner = ReferenceVerifier()
        self.asked: list[Path] = []

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        self.asked.append(request.input)
        return self.inner.verify(request)


def test_only_the_judged_checkpoints_are_judged(tmp_path: Path) -> None:
    scenario = load_scenario(find_scenario("happy-path"))
    verifier = CountingVerifier()
    run = play(scenario, tmp_path, verifier=verifier, judged_steps={VERIFY_B_LT})
    steps = {step.index: step for step in run.steps}
    assert verifier.asked == [tmp_path / "run" / "artifacts" / "signed-b-lt.pdf"]
    judged = steps[VERIFY_B_LT]
    assert judged.judged and judged.judgement is not None and judged.judgement.passed, \
        format_run(run)
    for index, step in steps.items():
        if step.checkpoint is None or index == VERIFY_B_LT:
            continue
        assert not step.judged and step.judgement is None, step
        if isinstance(scenario.timeline[index], Verify):
            assert step.answer is None, step
    # the story still signed every document the judged checkpoint (and any other) needs
    assert steps[SIGN_B_LT].artifacts == ["signed-b-lt"] and steps[SIGN_B_LT].error is None
    index = json.loads((tmp_path / "run" / "index.json").read_text(encoding="utf-8"))
    passed = {step["index"]: step["passed"] for step in index["steps"]}
    assert passed[VERIFY_B_LT] is True and passed[SIGN_B_LT] is None
