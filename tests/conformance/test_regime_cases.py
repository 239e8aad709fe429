"""kyso conform on the regime-specific cases: the state-document appearance (ND30 Annex I) and
certificates of the other regime (ND68-7, ND23-1). The reference tools pass under both shipped
policies; a defective variant fails, and the policy decides what that costs (default: a
WARNING, strict: a FAIL); a signer declaring no visible signatures is SKIPPED."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform, exit_code
from reports.results import Results, Severity, Verdict
from scenarios.loader import ScenarioFileError, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
APPEARANCE = "signer::state-document-appearance::*"
CROSS_REGIME = "verifier::cross-regime-certificates::*"


def _profile(directory: Path, *, defect: str = "", visible: bool = True) -> Path:
    text = (EXAMPLES / "reference-python.toml").read_text(encoding="utf-8")
    if not visible:
        text = text.replace("visible_signature = true", "visible_signature = false")
    if defect:
        text = text.replace('# options = { defect = "ignore-revocation" }',
                            f'options = {{ defect = "{defect}" }}')
    path = directory / "sut.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(tmp_path: Path, name: str, only: tuple[str, ...], *, policy: str = "default",
         defect: str = "", visible: bool = True) -> Results:
    directory = tmp_path / name
    directory.mkdir()
    profile = _profile(directory, defect=defect, visible=visible)
    return conform(RunOptions(profile, directory / "out", policy=policy, only=only),
                   progress=lambda line: None)


@pytest.mark.parametrize("policy", ["default", "strict"])
def test_reference_tools_pass_the_regime_cases_under_both_policies(tmp_path: Path,
                                                                   policy: str) -> None:
    results = _run(tmp_path, policy, (APPEARANCE, CROSS_REGIME), policy=policy)
    assert {case.id: case.verdict for case in results.cases} == {
        "signer::state-document-appearance::sign-agency-appearance-iso-time": Verdict.PASS,
        "verifier::cross-regime-certificates::verify-public-certificate-in-cong-vu":
            Verdict.PASS,
        "verifier::cross-regime-certificates::verify-cong-vu-certificate-in-public":
            Verdict.PASS,
    }, [(case.id, case.reason) for case in results.cases]
    assert exit_code(results) == 0
    evidence = {item.path.rsplit("/", 1)[-1] for case in results.cases
                for item in case.evidence}
    assert {"appearance-text.txt", "tsa-log-match.jsonl"} <= evidence


@pytest.mark.parametrize(("policy", "severity", "code"), [
    ("default", Severity.WARNING, 0), ("strict", Severity.FAIL, 1)])
def test_a_local_format_appearance_costs_what_the_policy_says(
        tmp_path: Path, policy: str, severity: Severity, code: int) -> None:
    results = _run(tmp_path, policy, (APPEARANCE,), policy=policy, defect="local-appearance")
    [case] = results.cases
    assert case.verdict is Verdict.FAIL
    assert "agency's name" in case.reason and "ISO 8601" in case.reason
    assert case.severity is severity
    assert exit_code(results) == code
    row = next(r for r in results.requirements if r.id == "ND30-PL1")
    assert row.verdict is (Verdict.FAIL if severity is Severity.FAIL else Verdict.PASS)


@pytest.mark.parametrize(("policy", "severity", "code"), [
    ("default", Severity.WARNING, 0), ("strict", Severity.FAIL, 1)])
def test_a_verifier_trusting_any_root_accepts_the_other_regime_at_the_policys_cost(
        tmp_path: Path, policy: str, severity: Severity, code: int) -> None:
    results = _run(tmp_path, policy, (CROSS_REGIME,), policy=policy, defect="any-root")
    assert [case.verdict for case in results.cases] == [Verdict.FAIL, Verdict.FAIL]
    assert {case.severity for case in results.cases} == {severity}
    assert all(case.actual.startswith("TOTAL-PASSED") for case in results.cases)
    assert exit_code(results) == code


def test_a_signer_without_visible_signatures_is_skipped(tmp_path: Path) -> None:
    results = _run(tmp_path, "invisible", (APPEARANCE,), visible=False)
    [case] = results.cases
    assert case.verdict is Verdict.SKIPPED, case.reason
    assert "visible_signature = false" in case.reason
    assert exit_code(results) == 0


@pytest.mark.parametrize("extra", ["", "    by: fixture\n    visible: true\n"])
def test_an_appearance_needs_a_visible_signature_by_the_signer_under_test(extra: str) -> None:
    text = f"""\
id: sample
title: {{vi: "Mẫu", en: "Sample"}}
description: {{vi: "Mẫu", en: "Sample"}}
regimes: [state-doc]
actors:
  agency: {{profile: organisation, name: {{common_name: "Sở Tư pháp"}}}}
documents:
  decision: {{}}
timeline:
  - {{do: issue, actor: agency}}
  - do: sign
    actor: agency
    document: decision
    output: sealed
    appearance: nd30-annex-i
{extra}"""
    with pytest.raises(ScenarioFileError, match="'appearance' needs visible: true and by: sut"):
        parse_scenario(text, "sample.yaml")
