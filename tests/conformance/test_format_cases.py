"""kyso conform on a signer that writes a plain CMS signature (/SubFilter adbe.pkcs7.detached)
when asked for a PAdES baseline level: the signer cases fail on the format requirement
(TT15-PL1-1.5-baseline), and the policy decides the cost (the law's reading is open: default
warns, strict fails); the reference signer passes the same cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cases import FORMAT_REQUIREMENT
from conformance.runner import exit_code
from reports.results import Severity, Verdict
from tests.conformance.test_regime_cases import _run

SIGNING = ("signer::happy-path::sign-b-b", "signer::happy-path::sign-b-t")


@pytest.mark.parametrize(("policy", "severity", "code"), [
    ("default", Severity.WARNING, 0), ("strict", Severity.FAIL, 1)])
def test_a_cms_signature_asked_for_pades_costs_what_the_policy_says(
        tmp_path: Path, policy: str, severity: Severity, code: int) -> None:
    results = _run(tmp_path, policy, SIGNING, policy=policy, defect="pkcs7-subfilter")
    assert [case.verdict for case in results.cases] == [Verdict.FAIL, Verdict.FAIL], \
        [(case.id, case.reason) for case in results.cases]
    for case in results.cases:
        assert "the signature is CMS (adbe.pkcs7.detached)" in case.reason
        assert f"({FORMAT_REQUIREMENT})" in case.reason
        assert case.severity is severity, case.reason
    assert exit_code(results) == code
    row = next(r for r in results.requirements if r.id == FORMAT_REQUIREMENT)
    assert row.verdict is (Verdict.FAIL if severity is Severity.FAIL else Verdict.PASS)
    assert sorted(row.cases) == sorted(SIGNING)
    # the checkpoints' other clauses are not failed by the format
    other = next(r for r in results.requirements if r.id == "TT15-5.1.e")
    assert other.verdict is Verdict.PASS


def test_the_reference_signer_passes_the_format_requirement(tmp_path: Path) -> None:
    results = _run(tmp_path, "reference", SIGNING, policy="strict")
    assert [case.verdict for case in results.cases] == [Verdict.PASS, Verdict.PASS]
    row = next(r for r in results.requirements if r.id == FORMAT_REQUIREMENT)
    assert row.verdict is Verdict.PASS
