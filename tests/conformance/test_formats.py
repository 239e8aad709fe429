"""The catalogue per signature format: case ids, traceability to TT15 Annex I rows 1.4–1.7,
stories played in XML and CMS by the reference tools, and defects caught in each format."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cases import all_cases, cases_of
from conformance.reference.defects import Defect, DefectiveSigner, DefectiveVerifier
from conformance.scenario_runs import play
from scenarios import Judgement, find_scenario, find_variant, load_scenario
from scenarios.scenario_run import format_run


def test_pades_case_ids_are_unchanged_and_other_formats_have_their_own() -> None:
    cases = all_cases([find_scenario("happy-path")])
    pades = [case.id for case in cases_of(load_scenario(find_scenario("happy-path")))]
    assert [case.id for case in cases if case.format == "pades"] == pades
    assert "signer::happy-path::sign-b-b" in pades
    ids = {case.id for case in cases}
    for fmt in ("xades", "xmldsig", "cades", "cms"):
        assert f"signer::happy-path@{fmt}::sign-b-b" in ids
        assert f"verifier::happy-path@{fmt}::verify-b-b" in ids
    assert "verifier::happy-path@cms::verify-b-t" not in ids  # plain CMS has no timestamp


@pytest.mark.parametrize(("fmt", "row"), [("pades", None), ("cms", "TT15-PL1-1.4"),
                                          ("xades", "TT15-PL1-1.6"),
                                          ("xmldsig", "TT15-PL1-1.6"),
                                          ("cades", "TT15-PL1-1.7")])
def test_each_format_case_traces_to_its_annex_i_row(fmt: str, row: str | None) -> None:
    cases = [case for case in all_cases() if case.format == fmt]
    assert cases
    rows = {"TT15-PL1-1.4", "TT15-PL1-1.6", "TT15-PL1-1.7"}
    for case in cases:
        assert set(case.requirements) & rows == ({row} if row else set()), case.id
        if fmt != "pades":  # the PDF row is not what an XML or CMS case evidences
            assert "TT15-PL1-1.5" not in case.requirements
            assert "TT15-PL1-1.5-baseline" not in case.requirements


@pytest.mark.parametrize("name", ["happy-path@xmldsig", "happy-path@cms", "tampering@xades",
                                  "revoked-after-signing@cades"])
def test_a_story_plays_in_its_format_with_the_reference_tools(name: str,
                                                              tmp_path: Path) -> None:
    run = play(find_variant(name), tmp_path)
    assert run.passed and run.checkpoints, format_run(run)
    suffix = {"xmldsig": ".xml", "xades": ".xml", "cms": ".p7s", "cades": ".p7s"}
    assert list((tmp_path / "run" / "artifacts").glob(f"*{suffix[name.split('@')[1]]}"))


def _caught(outcome: Judgement | Exception) -> bool:
    return not isinstance(outcome, Judgement) or not outcome.passed


@pytest.mark.parametrize(("name", "defect", "checkpoint"), [
    ("revoked-after-signing@cms", Defect.IGNORE_REVOCATION, "verify-revoked-no-timestamp"),
    ("revoked-after-signing@xades", Defect.IGNORE_TIMESTAMP, "verify-revoked-after-timestamp"),
    ("tampering@cades", Defect.SKIP_INTEGRITY, "verify-byte-changed"),
])
def test_a_defective_verifier_is_caught_in_the_format(name: str, defect: Defect,
                                                      checkpoint: str, tmp_path: Path) -> None:
    run = play(find_variant(name), tmp_path,
               mutant_verifiers={defect.value: DefectiveVerifier(defect)})
    assert run.passed, format_run(run)
    step = next(step for step in run.checkpoints if step.checkpoint == checkpoint)
    assert _caught(step.mutants[defect.value])


@pytest.mark.parametrize("name", ["revoked-before-signing@cades",
                                  "expired-certificate@xmldsig"])
def test_a_signer_without_the_validity_check_is_caught_in_the_format(name: str,
                                                                     tmp_path: Path) -> None:
    defect = Defect.NO_VALIDITY_CHECK
    run = play(find_variant(name), tmp_path,
               mutant_signers={defect.value: DefectiveSigner(defect)})
    assert run.passed, format_run(run)
    refusal = next(step for step in run.checkpoints if step.checkpoint.startswith("sign-refused"))
    assert _caught(refusal.mutants[defect.value])
