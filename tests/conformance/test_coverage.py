"""The legal catalogue and the cases agree: every ID exists, every mandatory requirement has a
case, policies load and state the cost of every requirement."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.cases import all_cases
from conformance.coverage import mandatory_without_cases
from conformance.policy import PolicyError, load_policy
from conformance.requirements import Confidence, catalogue, clause_sort_key


def test_every_mandatory_requirement_has_a_case() -> None:
    assert mandatory_without_cases() == []


def test_case_ids_are_unique_and_name_known_requirements() -> None:
    cases = all_cases()  # raises on an unknown requirement or a duplicate ID
    assert len({case.id for case in cases}) == len(cases)


def test_not_found_clauses_are_never_given_content() -> None:
    for requirement in catalogue().values():
        if requirement.confidence is Confidence.NOT_FOUND:
            assert "not confirmed" in requirement.statement.en
            assert requirement.level.value == "informational"


def test_both_policies_load_and_a_bad_policy_is_one_line(tmp_path: pytest.TempPathFactory) -> None:
    for name in ("default", "strict"):
        policy, digest = load_policy(name)
        assert policy.name == name and len(digest) == 64
    bad = tmp_path / "lab.yaml"  # type: ignore[operator]
    bad.write_text("name: lab\ndescription: {vi: x, en: x}\nlevels: {mandatory: FAIL}\n"
                   "overrides: {TT15-9.9: FAIL}\n")
    with pytest.raises(PolicyError, match="overrides.TT15-9.9: .* / not a requirement"):
        load_policy(str(bad))


def test_requirements_command_prints_the_coverage_table() -> None:
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "requirements",
                             "--policy", "strict"], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "policy strict" in result.stdout
    assert "mandatory without a case yet: none" in result.stdout


def _requirements(*options: str) -> str:
    result = subprocess.run([sys.executable, "-m", "conformance.cli", "requirements", *options],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_requirements_table_fits_a_100_column_terminal_with_the_vietnamese_text() -> None:
    output = _requirements()
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 100
    requirement = catalogue()["TT15-5.1.a"]
    block = output.split("\nTT15-5.1.a  ", 1)[1].split("\n\n", 1)[0]
    assert block.startswith(f"{requirement.level.value} · {requirement.confidence.value} · ")
    assert " ".join(requirement.statement.vi.split()[:6]) in " ".join(block.split())


def test_the_defects_caught_are_wrapped_too() -> None:
    from conformance.coverage import coverage_rows, render_coverage

    policy, _ = load_policy("default")
    caught = {f"{case.scenario}::{case.checkpoint}": [f"defect-number-{n}" for n in range(40)]
              for case in all_cases()}
    assert max(len(line) for line in render_coverage(
        coverage_rows(policy, caught)).splitlines()) <= 100


def test_requirements_json_has_an_entry_per_requirement() -> None:
    table = json.loads(_requirements("--json"))
    assert table["policy"] == "default" and len(table["sha256"]) == 64
    assert [entry["id"] for entry in table["requirements"]] == sorted(
        catalogue(), key=clause_sort_key)
    first = table["requirements"][0]
    assert first["statement"]["vi"] and isinstance(first["cases"], list)
    assert first["defects"] is None  # not played without --mutants
