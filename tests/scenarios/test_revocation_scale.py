"""The revocation-history step and the figures of a verify checkpoint, on a small history.

The catalogue's ``large-crl`` story records 100,000 revocations (played by
``test_catalogue``); here the same story with 2,000 keeps the test fast while showing what the
story must: the reference answers right, the defective verifiers that ignore revocation or
use OCSP alone are caught, and each verify checkpoint carries its figures (never a verdict).
"""

from __future__ import annotations

import json

import pytest

from conformance.reference.defects import Defect
from conformance.reference.defects.verifiers import DefectiveVerifier
from conformance.scenario_runs import play
from scenarios.judge import Judgement
from scenarios.loader import find_scenario, parse_scenario
from scenarios.scenario_run import ScenarioRun, format_run

HISTORY = 2000


@pytest.fixture(scope="module")
def small_history_run(tmp_path_factory: pytest.TempPathFactory) -> ScenarioRun:
    text = find_scenario("large-crl").read_text(encoding="utf-8")
    small = text.replace("revoked: 100000", f"revoked: {HISTORY}")
    assert small != text
    mutants = {defect.value: DefectiveVerifier(defect) for defect in
               (Defect.IGNORE_REVOCATION, Defect.OCSP_ONLY)}
    return play(parse_scenario(small, "large-crl.yaml"), tmp_path_factory.mktemp("scale"),
                mutant_verifiers=mutants)


def _caught(run: ScenarioRun, checkpoint: str) -> set[str]:
    step = next(step for step in run.checkpoints if step.checkpoint == checkpoint)
    return {name for name, outcome in step.mutants.items()
            if not isinstance(outcome, Judgement) or not outcome.passed}


def test_the_reference_passes_and_each_checkpoint_catches_its_defect(
        small_history_run: ScenarioRun) -> None:
    run = small_history_run
    assert run.passed, format_run(run)
    assert _caught(run, "verify-good-with-large-crl") == {"ocsp-only"}
    assert _caught(run, "verify-revoked-in-large-crl") == {"ignore-revocation"}
    history_step = run.steps[0]
    assert f"{HISTORY:,} revocations" in history_step.description


def test_each_verify_checkpoint_records_the_time_and_the_crl_size(
        small_history_run: ScenarioRun) -> None:
    run = small_history_run
    for step in run.checkpoints:
        figures = {figure.name: figure for figure in step.figures}
        assert set(figures) == {"sut-seconds", "crl-entries", "crl-bytes"}
        assert figures["sut-seconds"].value > 0 and figures["sut-seconds"].unit == "s"
        assert figures["crl-entries"].value == HISTORY + 1  # the story's revoked signer too
        assert figures["crl-entries"].about == "ca-cv"
        assert figures["crl-bytes"].value > HISTORY * 30
        assert step.judgement is not None and step.judgement.passed  # figures judge nothing
    index = json.loads((run.directory / "index.json").read_text(encoding="utf-8"))
    listed = [step["figures"] for step in index["steps"] if step["checkpoint"]]
    assert all({figure["name"] for figure in figures} == {"sut-seconds", "crl-entries",
                                                          "crl-bytes"} for figures in listed)
    text = format_run(run)
    assert f"ca-cv: {HISTORY + 1:,} mục" in text and "phần mềm trả lời trong" in text


def test_the_revoked_signer_sits_among_the_history_in_the_saved_crl(
        small_history_run: ScenarioRun) -> None:
    from cryptography import x509

    run = small_history_run
    issued = next(step for step in run.steps if "actor=transferred" in step.description
                  and step.description.startswith("issue"))
    serial = int(issued.description.split("(serial ")[1].rstrip(")"), 16)
    step = next(step for step in run.checkpoints
                if step.checkpoint == "verify-revoked-in-large-crl")
    crl = x509.load_der_x509_crl(
        (run.directory / "work" / f"step-{step.index}" / "ca-cv.crl").read_bytes())
    serials = [entry.serial_number for entry in crl]
    assert len(serials) == HISTORY + 1 and serials == sorted(serials)
    assert 0 < serials.index(serial) < HISTORY  # somewhere inside, not first or last
