"""kyso conform end to end: the reference tools through every automated adapter kind give the
same verdicts; a defective verifier fails exactly the cases it should; reports are signed, and
no secret is left in a run folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.cases import all_cases, matches
from conformance.lab import lab_testbed, sign_report
from conformance.reference.verifier import trust_roots_of_testbed, verify
from conformance.runner import RunOptions, conform, exit_code
from reports.diff import diff_results
from reports.render import render_all
from reports.results import Verdict, load_results
from scenarios.outcomes import Indication
from testbed.documents import flip_byte_in_signed_range

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
SUBSET = ("*::revoked-after-signing::*", "*::expired-certificate::*", "*::untrusted-roots::*")
"""Their PAdES cases (``revoked-after-signing@cms`` and the other formats' ids do not match):
the adapters carry a request's format through the contract with the profile's ``formats``."""


@pytest.fixture(scope="module")
def reference_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    runs = {}
    for kind in ("python", "batch", "cli"):
        out = tmp_path_factory.mktemp(f"reference-{kind}")
        conform(RunOptions(EXAMPLES / f"reference-{kind}.toml", out, only=SUBSET),
                progress=lambda line: None)
        runs[kind] = out
    return runs


def test_reference_tools_pass_identically_through_every_adapter_kind(
        reference_runs: dict[str, Path]) -> None:
    verdicts = {}
    for kind, out in reference_runs.items():
        results = load_results(out / "results.json")
        assert exit_code(results) == 0, [(c.id, c.reason) for c in results.cases
                                         if c.verdict is not Verdict.PASS]
        verdicts[kind] = {case.id: (case.verdict, case.actual) for case in results.cases}
        assert (out / "junit.xml").exists()
    assert verdicts["python"] == verdicts["batch"] == verdicts["cli"]
    assert len(verdicts["cli"]) == len([c for c in all_cases() if matches(c, list(SUBSET))])


def test_no_pin_or_private_key_is_left_in_a_run_folder(reference_runs: dict[str, Path]) -> None:
    out = reference_runs["cli"]
    leftovers = [p for p in out.rglob("*") if p.is_file()
                 and (p.suffix in {".pin", ".so-pin"} or p.name.endswith(".key.pem"))]
    assert not leftovers
    for path in out.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            data = path.read_bytes()
            assert b"PRIVATE KEY" not in data, path
            assert not re.search(rb"\bpin\b\W{0,3}\d{8}\b", data, re.IGNORECASE), path
    # the reference tools never print their PIN: no case has the finding a PIN echo gives
    assert not [case.id for case in load_results(out / "results.json").cases
                for finding in case.findings if finding.check == "pin-printed"]


def test_defective_verifier_fails_exactly_the_revocation_cases(
        reference_runs: dict[str, Path], tmp_path: Path) -> None:
    defective = conform(RunOptions(EXAMPLES / "defective-verifier-cli.toml", tmp_path / "d",
                                   only=SUBSET), progress=lambda line: None)
    reference = load_results(reference_runs["python"] / "results.json")
    difference = diff_results(reference, defective)
    worse = {change.id for change in difference.regressions}
    assert worse == {"verifier::revoked-after-signing::verify-revoked-no-timestamp"}
    assert exit_code(defective) == 1


def test_signed_report_verifies_and_a_changed_byte_breaks_it(
        reference_runs: dict[str, Path], tmp_path: Path) -> None:
    rendered = render_all(reference_runs["python"] / "results.json", tmp_path)
    signed = tmp_path / "report-signed.pdf"
    with lab_testbed(tmp_path / "lab") as lab:
        sign_report(lab, rendered.pdf, signed)
        roots = trust_roots_of_testbed(lab.directory)
        good = verify(signed, roots, at=lab.now())
        assert good.signatures[0].indication is Indication.TOTAL_PASSED
        assert "hợp lệ" in good.signatures[0].display["result"]
        broken = tmp_path / "report-broken.pdf"
        broken.write_bytes(flip_byte_in_signed_range(signed.read_bytes()))
        bad = verify(broken, roots, at=lab.now())
        assert bad.signatures[0].indication is Indication.TOTAL_FAILED


def test_pytest_plugin_runs_cases_as_test_items(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--kyso-sut", str(EXAMPLES / "defective-verifier-cli.toml"),
         "--kyso-only", "*::revoked-after-signing::*", "--kyso-out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "expected: INDETERMINATE (REVOKED_NO_POE)" in result.stdout
    assert load_results(tmp_path / "out" / "results.json").cases


def test_pytest_plugin_runs_the_cases_once_under_xdist(tmp_path: Path) -> None:
    """``pytest -n 2 --kyso-sut``: the controller plays the run once (a second run would find
    --kyso-out not empty and refuse), both workers report its verdicts."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "--kyso-sut", str(EXAMPLES / "defective-verifier-cli.toml"),
         "--kyso-only", "*::revoked-after-signing::*", "--kyso-out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bringing up nodes" in result.stdout  # xdist distributed the items
    assert "1 failed, 1 passed" in result.stdout
    assert "expected: INDETERMINATE (REVOKED_NO_POE)" in result.stdout
    assert len(load_results(tmp_path / "out" / "results.json").cases) == 2
