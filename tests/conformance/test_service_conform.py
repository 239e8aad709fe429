"""Issue 13's promise, end to end: kyso's reference tools behind each emulated local signing
service (``kyso emulate``) pass the same cases, with the same verdicts, as through the ``cli``
adapter; a defect behind a service is caught by the cases that catch it on the command line.

Each family runs a slice of the catalogue that exercises what differs between protocols: a
signature at every level and its verification, the PIN (wrong, locked token), refusal before
signing, an outage of revocation services. The whole catalogue through every family is a
benchmark (``bench/bench_services.py``), not a test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from emulators import serve_in_thread
from reports.results import Results, Verdict

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
SLICE = ("*::happy-path::*", "*::wrong-pin::*", "*::locked-token::*",
         "*::revoked-before-signing::*", "*::revocation-outage::*")
"""Their PAdES cases (the other formats' variants are ``happy-path@xades`` and so on)."""
FAMILIES = {"http-plugin": "emulated-http.toml", "ws-oneshot": "emulated-ws-oneshot.toml",
            "ws-session": "emulated-ws-session.toml",
            "remote-hash": "emulated-remote-hash.toml"}


def _profile_at(directory: Path, example: str, url: str) -> Path:
    """A copy of the example profile whose base_url names the running emulator."""
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    text, count = re.subn(r'^base_url = ".*"$', f'base_url = "{url}"', text, count=1,
                          flags=re.MULTILINE)
    assert count == 1, example
    path = directory / example
    path.write_text(text, encoding="utf-8")
    return path


def _conform(profile: Path, out: Path, only: tuple[str, ...] = SLICE) -> Results:
    return conform(RunOptions(profile, out, only=only), progress=lambda line: None)


def _verdicts(results: Results) -> dict[str, tuple[Verdict, str]]:
    return {case.id: (case.verdict, case.actual) for case in results.cases}


@pytest.fixture(scope="module")
def through_cli(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Verdict, str]]:
    results = _conform(EXAMPLES / "reference-cli.toml", tmp_path_factory.mktemp("cli"))
    verdicts = _verdicts(results)
    assert {verdict for verdict, _ in verdicts.values()} == {Verdict.PASS}, \
        [(c.id, c.reason) for c in results.cases if c.verdict is not Verdict.PASS]
    return verdicts


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_reference_behind_each_emulated_family_gives_the_cli_verdicts(
        family: str, through_cli: dict[str, tuple[Verdict, str]],
        tmp_path: Path) -> None:
    with serve_in_thread(family) as service:
        profile = _profile_at(tmp_path, FAMILIES[family], service.url)
        results = _conform(profile, tmp_path / "out")
    verdicts = _verdicts(results)
    roles = set(results.run.roles)
    expected = {case: verdict for case, verdict in through_cli.items()
                if case.split("::")[0] in roles}
    assert verdicts == expected, [(c.id, c.verdict.value, c.reason) for c in results.cases
                                  if (c.verdict, c.actual) != expected.get(c.id)]
    assert len(verdicts) >= 8
    # what the service was sent and answered is part of every case's evidence (PIN redacted)
    assert all(any(item.kind == "exchange" for item in case.evidence)
               for case in results.cases if case.id.startswith("signer::"))


@pytest.mark.parametrize(("family", "defect", "role", "caught"), [
    ("http-plugin", "ignore-revocation", "verifier",
     "verifier::revoked-before-signing::verify-revoked-before-signing"),
    ("ws-session", "no-validity-check", "signer",
     "signer::revoked-before-signing::sign-refused-revoked"),
    # a display defect: the service's answer is held to the seven fields like a CLI's
    ("http-plugin", "validity-end-only", "verifier",
     "verifier::revoked-before-signing::verify-revoked-before-signing"),
])
def test_a_defect_behind_an_emulated_service_is_caught(
        family: str, defect: str, role: str, caught: str, tmp_path: Path) -> None:
    with serve_in_thread(family, defect=defect) as service:
        profile = _profile_at(tmp_path, FAMILIES[family], service.url)
        results = _conform(profile, tmp_path / "out", only=("*::revoked-before-signing::*",))
    verdicts = {case.id: case.verdict for case in results.cases}
    assert caught in verdicts, sorted(verdicts)
    assert verdicts[caught] is Verdict.FAIL
    assert all(verdict is Verdict.PASS for case, verdict in verdicts.items()
               if not case.startswith(role))
    if defect == "validity-end-only":
        reasons = {case.id: case.reason for case in results.cases}
        assert reasons[caught].startswith("display: certificate_validity: "), reasons[caught]
