"""A hostile SUT in the sandbox: every snooping attempt fails, and every one is a finding.

The snooper (``tests/fake_suts/fake_sut.py snoop``) is a signer that, given its PIN file, goes
for the testbed around it: the CA keys, the registry (read, then rewritten), another
subscriber's PIN, kyso's environment through ``/proc``, a file planted beside the testbed and
one in ``/tmp``. The test knows each target exists on the host; the sandbox must make every
attempt fail, the access trace must record it, and the case must carry the findings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conformance.conduct import ACCESS_DENIED, REACHED_HIDDEN, WROTE_OUTSIDE, conduct_findings
from conformance.policy import load_policy
from conformance.sut.adapters import build_roles
from conformance.sut.process.sandbox import (
    IsolationSettings,
    bubblewrap_problem,
    isolation_scope,
)
from conformance.sut.profile import load_profile
from reports import Severity, Verdict
from scenarios import SignerOutcome, SignRequest
from testbed.ca.names import VietnameseName
from testbed.session import Testbed

ROOT = Path(__file__).resolve().parents[2]
FAKE_SUT = ROOT / "tests" / "fake_suts" / "fake_sut.py"

pytestmark = pytest.mark.skipif(bubblewrap_problem() is not None,
                                reason=f"{bubblewrap_problem()}")


def _tmp_file(tmp_path: Path) -> Path:
    """The file the snooper writes in the real /tmp: one name per test (tmp_path's own name
    is unique per test and per pytest-xdist worker), never a name shared by parallel tests."""
    return Path("/tmp") / f"kyso-snooped-{os.getpid()}-{tmp_path.name}.txt"


def _snooper_profile(tmp_path: Path, other_pin: Path) -> Path:
    path = tmp_path / "snooper.toml"
    path.write_text(f"""
roles = ["signer"]
[sut]
name = "snooper"
vendor = "tests"
version = "0"
[capabilities]
pades_levels = ["B-B"]
[env]
SNOOP_OTHER_TOKEN = "{other_pin}"
SNOOP_KYSO_PID = "{os.getpid()}"
SNOOP_TMP_FILE = "{_tmp_file(tmp_path)}"
[adapter]
kind = "cli"
[adapter.cli]
sign = ["{{python}}", "{FAKE_SUT}", "snoop", "{{pin_file}}"]
timeout_seconds = 20
""", encoding="utf-8")
    return path


def _token(testbed: Testbed, subscriber: str) -> tuple[str, Path, Path]:
    record, _ = testbed.tokens.create(subscriber, name=VietnameseName(
        common_name="Trần Văn Bình", title="Chuyên viên", organization="Sở Nội vụ tỉnh Huế",
        locality="Huế"))
    return record.label, testbed.directory / record.access_file, \
        testbed.directory / record.pin_file


def test_every_snooping_attempt_fails_and_is_a_finding(testbed: Testbed,
                                                       tmp_path: Path) -> None:
    label, access, pin_file = _token(testbed, "snooper")
    _, _, other_pin = _token(testbed, "snooped-neighbour")
    registry = testbed.directory / "registry.json"
    registry_before = registry.read_bytes()
    keys = sorted((testbed.directory / "keys").glob("*.key.pem"))
    assert keys and other_pin.exists()  # the targets are real
    signer, _ = build_roles(load_profile(_snooper_profile(tmp_path, other_pin)))
    assert signer is not None
    case = tmp_path / "case"
    # what the runner does: the tree holding the testbed (in a run, the runtime directory)
    # is hidden
    with isolation_scope(IsolationSettings(hidden=(testbed.directory.parent,))):
        answer = signer.sign(SignRequest(
            input=tmp_path / "in.pdf", output=case / "out.pdf", token_access=access,
            pin_file=pin_file, token_label=label, trust_roots=[], tsa_url=None,
            level="B-B", moment=testbed.now(), field_name="Signature1", workdir=case))

    assert answer.outcome is SignerOutcome.REFUSED
    tried = (case / "stderr.txt").read_text().splitlines()
    # every attempt at the testbed fails; the write in /tmp succeeds in the sandbox's own /tmp
    # (programs that ignore TMPDIR, as Java does, must still run) and lands nowhere
    assert len(tried) == 7, tried
    assert [line for line in tried if "SUCCEEDED" in line] == ["write in /tmp: SUCCEEDED"]
    assert not _tmp_file(tmp_path).exists()
    assert registry.read_bytes() == registry_before
    assert not (testbed.directory.parent / "planted.txt").exists()

    access_facts = json.loads((case / "command.json").read_text())["access"]
    seen = {(attempt["kind"], attempt["path"]) for attempt in access_facts["attempts"]}
    for target in (testbed.directory / "keys", registry, other_pin,
                   Path(f"/proc/{os.getpid()}/environ")):
        assert ("hidden", str(target)) in seen, target
    assert ("denied", str(registry)) in seen  # the rewrite: the covered tree is read-only
    assert ("denied", str(testbed.directory.parent / "planted.txt")) in seen
    assert ("outside", str(_tmp_file(tmp_path))) in seen

    findings = {finding.check: finding
                for finding in conduct_findings(case, load_policy("default")[0])}
    assert {REACHED_HIDDEN, WROTE_OUTSIDE, ACCESS_DENIED} <= set(findings)
    assert all(finding.verdict is Verdict.FAIL for finding in findings.values())
    assert str(registry) in findings[REACHED_HIDDEN].actual
    strict = conduct_findings(case, load_policy("strict")[0])
    assert {finding.severity for finding in strict} == {Severity.FAIL}


def test_the_same_snooper_unconfined_reads_the_testbed(testbed: Testbed,
                                                        tmp_path: Path) -> None:
    """The control: with --no-isolation the snooper's reads succeed (the sandbox is what
    stops them); it must not be allowed to rewrite anything, so the registry is restored."""
    label, access, pin_file = _token(testbed, "snooper-unconfined")
    _, _, other_pin = _token(testbed, "unconfined-neighbour")  # its own: tests may run apart
    registry = testbed.directory / "registry.json"
    registry_before = registry.read_bytes()
    signer, _ = build_roles(load_profile(_snooper_profile(tmp_path, other_pin)))
    assert signer is not None
    case = tmp_path / "case"
    try:
        with isolation_scope(IsolationSettings(enabled=False, reason_off="--no-isolation")):
            signer.sign(SignRequest(
                input=tmp_path / "in.pdf", output=case / "out.pdf", token_access=access,
                pin_file=pin_file, token_label=label, trust_roots=[], tsa_url=None,
                level="B-B", moment=testbed.now(), field_name="Signature1", workdir=case))
    finally:
        registry.write_bytes(registry_before)
        (testbed.directory.parent / "planted.txt").unlink(missing_ok=True)
        _tmp_file(tmp_path).unlink(missing_ok=True)
    tried = (case / "stderr.txt").read_text()
    assert "list the CA keys: SUCCEEDED" in tried and "read the registry: SUCCEEDED" in tried
    assert "read another token's PIN: SUCCEEDED" in tried


def test_through_kyso_conform_the_attempts_are_findings_of_the_case(tmp_path: Path) -> None:
    """The whole way: the runner hides its output folder and runtime directory, the case's
    results carry the conduct findings, and the run says how the product was isolated."""
    from conformance.runner import RunOptions, conform
    from reports.results import load_results

    out = tmp_path / "out"
    conform(RunOptions(_snooper_profile(tmp_path, tmp_path / "no-such-token.pin"), out,
                       only=("signer::happy-path::sign-b-b",)), progress=lambda line: None)
    results = load_results(out / "results.json")
    assert results.run.isolation is not None and results.run.isolation.startswith("bubblewrap")
    (case,) = results.cases
    checks = {finding.check for finding in case.findings if finding.requirements == []}
    assert {REACHED_HIDDEN, ACCESS_DENIED, WROTE_OUTSIDE} <= checks
    (stderr,) = list(out.rglob("stderr.txt"))
    tried = stderr.read_text().splitlines()
    assert [line for line in tried if "SUCCEEDED" in line] == ["write in /tmp: SUCCEEDED"]
