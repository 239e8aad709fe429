"""A whole run with a profile that declares PAdES only: a case in an undeclared format is never
asked, and what its FAIL costs is the policy's rating of that format's Annex I row alone
(TT15's open question 3: the default policy warns, the strict one fails), not of the case's
other clauses, which were never asked."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from reports.results import Severity, Verdict

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
CASE = "verifier::happy-path@xades::verify-b-b"


@pytest.mark.parametrize(("policy", "severity"), [("default", Severity.WARNING),
                                                  ("strict", Severity.FAIL)])
def test_an_undeclared_format_costs_what_the_policy_says_of_its_row(
        tmp_path: Path, policy: str, severity: Severity) -> None:
    text = (EXAMPLES / "reference-python.toml").read_text(encoding="utf-8")
    profile = tmp_path / "pades-only.toml"
    profile.write_text(text.replace('formats = ["pades", "xades", "xmldsig", "cades", "cms"]',
                                    'formats = ["pades"]'), encoding="utf-8")
    results = conform(RunOptions(profile, tmp_path / "out", policy=policy, only=(CASE,)),
                      progress=lambda line: None)
    [case] = results.cases
    assert case.verdict is Verdict.FAIL
    assert "capabilities.formats" in case.reason
    assert case.severity is severity
