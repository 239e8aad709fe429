"""``clock = "system"``: a revocation story played for a client that reads the real clock.

The client is ``openssl ocsp`` WITHOUT ``-attime``: it asks the testbed's OCSP responder about
the signer's certificate and judges the answer (its thisUpdate, the responder's certificate) at
the machine's time. Played at the system clock (one replay per checkpoint, the timeline shifted
so the checkpoint is the real now), it gets "good" before the revocation and "revoked" after
it. Played on the usual timeline (days ahead of the real clock), the same client is lost: the
answers come "from the future". Real SoftHSM tokens, real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.scenario_runs import play
from conformance.system_clock import asked_steps, play_at_system_clock, shifted
from scenarios import (
    Indication,
    NoAnswer,
    SignatureAnswer,
    VerifierAnswer,
    VerifyRequest,
    load_scenario,
)
from testbed import parse_instant, wall_clock

STORY = """
id: system-clock-revocation
title: {vi: "Thu hồi, đồng hồ hệ thống", en: "Revocation at the system clock"}
description: {vi: "Ký, kiểm tra, thu hồi, kiểm tra lại.", en: "Sign, verify, revoke, verify."}
regimes: [public]
actors:
  officer:
    name: {common_name: "Lê Văn Cường", title: "Phó Trưởng phòng",
           organization: "Sở Tài chính tỉnh Bắc Giang", locality: "Bắc Giang"}
documents:
  decision: {}
timeline:
  - do: issue
    actor: officer
  - do: sign
    at: +1h
    actor: officer
    document: decision
    output: signed
  - do: verify
    at: +2d
    input: signed
    expect: {indication: TOTAL-PASSED}
    checkpoint:
      id: verify-before-revocation
      requirements: [TT15-PL2-1.1]
      why: {vi: "Chưa thu hồi.", en: "Not revoked yet."}
  - do: revoke
    at: +5d
    actor: officer
    reason: key_compromise
  - do: verify
    at: +6d
    input: signed
    expect: {indication: INDETERMINATE, sub_indications: [REVOKED_NO_POE]}
    checkpoint:
      id: verify-after-revocation
      requirements: [TT15-PL2-1.1]
      why: {vi: "Đã thu hồi.", en: "Revoked."}
"""


class OpensslOcspClient:
    """A verifier that only asks OCSP, through ``openssl ocsp`` at the machine's own time."""

    def __init__(self) -> None:
        self.outputs: list[str] = []

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        from pyhanko.pdf_utils.reader import PdfFileReader

        assert request.workdir is not None
        with request.input.open("rb") as handle:
            signature = PdfFileReader(handle).embedded_signatures[0]
            signer = signature.signer_cert
            others = list(signature.other_embedded_certs)
        issuer = next(c for c in others if c.subject == signer.issuer)
        files = {name: request.workdir / f"{name}.pem" for name in ("signer", "issuer")}
        for name, certificate in (("signer", signer), ("issuer", issuer)):
            files[name].write_bytes(_pem(certificate.dump()))
        roots = request.workdir / "roots.pem"
        roots.write_text("".join(Path(p).read_text() for p in request.trust_roots))
        done = subprocess.run(
            ["openssl", "ocsp", "-issuer", files["issuer"], "-cert", files["signer"],
             "-url", signer.ocsp_urls[0], "-CAfile", roots, "-verify_other", files["issuer"],
             "-no_nonce"], capture_output=True, text=True, timeout=30, check=False)
        said = done.stdout + done.stderr
        self.outputs.append(said)
        if done.returncode != 0 and "Response verify OK" not in said:
            raise NoAnswer(f"openssl ocsp: {said.strip()[-300:]}")
        status = re.search(r"signer\.pem: (good|revoked|unknown)", said)
        trusted = "Response verify OK" in said and "Status times invalid" not in said
        if status is None or not trusted:
            answer = SignatureAnswer(indication=Indication.TOTAL_FAILED,
                                     display={"result": "Chữ ký không hợp lệ"})
        elif status.group(1) == "good":
            answer = SignatureAnswer(indication=Indication.TOTAL_PASSED,
                                     display={"result": "Chữ ký hợp lệ"})
        else:
            answer = SignatureAnswer(
                indication=Indication.INDETERMINATE, sub_indication="REVOKED_NO_POE",
                display={"result": "Không xác định được tính hợp lệ của chữ ký"})
        return VerifierAnswer(signatures=[answer], display=said)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", der))


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("story") / "system-clock-revocation.yaml"
    path.write_text(STORY, encoding="utf-8")
    return load_scenario(path)


def test_the_timeline_is_shifted_so_the_checkpoint_is_now(story) -> None:  # type: ignore[no-untyped-def]
    now = wall_clock()
    assert asked_steps(story, signer=False, verifier=True) == [2, 4]
    assert asked_steps(story, signer=True, verifier=False) == []
    start = parse_instant(shifted(story, 4, now).start or "")
    assert start == now - timedelta(days=6)


def test_openssl_ocsp_at_the_real_clock_gets_each_checkpoints_status(
        story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = OpensslOcspClient()
    played = play_at_system_clock(story, tmp_path, signer=None, verifier=client)
    checkpoints = {step.checkpoint: step for step in played.run.steps if step.checkpoint}
    assert set(checkpoints) == {"verify-before-revocation", "verify-after-revocation"}
    for step in checkpoints.values():
        # what the client concluded at its own clock (it shows none of the seven fields, so
        # only the technical findings are this test's business)
        assert step.judgement is not None, (step, client.outputs)
        technical = [c for c in step.judgement.checks if c.category == "technical"]
        assert technical and all(c.passed for c in technical), (step, client.outputs)
        # the checkpoint was played at the real now, on its own replay
        assert abs(step.at - wall_clock()) < timedelta(minutes=5)
        assert played.directories[step.index].name == f"replay-step-{step.index}"
    assert "signer.pem: good" in client.outputs[0]
    assert "signer.pem: revoked" in client.outputs[1]
    assert all("Status times invalid" not in said for said in client.outputs)


def test_on_the_usual_timeline_the_same_client_is_lost(story, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The control: days ahead of the real clock, openssl finds the answers not yet valid, so
    the test above would catch a system mode that did not move the timeline."""
    client = OpensslOcspClient()
    run = play(story, tmp_path, verifier=client)
    assert any(step.failed for step in run.checkpoints)
    assert any("Status times invalid" in said or "not yet valid" in said
               for said in client.outputs), client.outputs


# ---- through the runner ------------------------------------------------------------------------
def test_the_reference_tools_pass_at_the_system_clock_and_the_run_says_so(
        tmp_path: Path) -> None:
    from conformance.runner import RunOptions, conform
    from reports.results import Verdict, load_results

    examples = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
    text = (examples / "reference-python.toml").read_text(encoding="utf-8")
    profile = tmp_path / "reference-system.toml"
    profile.write_text(text.replace('kind = "python"', 'kind = "python"\nclock = "system"'),
                       encoding="utf-8")
    out = tmp_path / "out"
    conform(RunOptions(profile, out, only=("*::revoked-after-signing::*",)),
            progress=lambda line: None)
    results = load_results(out / "results.json")
    assert results.run.clock == "system"
    assert {case.verdict for case in results.cases} == {Verdict.PASS}, \
        [(case.id, case.reason) for case in results.cases]
    for case in results.cases:  # judged at the real now, evidence from the case's own replay
        assert abs(case.judged_at - wall_clock()) < timedelta(minutes=10)
        assert case.evidence and all("/replay-step-" in item.path for item in case.evidence)
    assert not list(out.rglob("keys/*.key.pem")) and not list(out.rglob("tokens/*.pin"))


# ---- the manual kit: made for a test day -------------------------------------------------------
def test_a_kit_for_a_program_reading_the_computers_clock_is_made_for_its_test_day(
        tmp_path: Path) -> None:
    import json

    from pyhanko.pdf_utils.reader import PdfFileReader

    from conformance.kit import export

    examples = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
    test_day = parse_instant("2026-12-10T08:00:00+07:00")
    kit = tmp_path / "kit"
    export(examples / "manual.toml", kit, ("*revoked-after-signing*",), test_day=test_day)
    manifest = json.loads((kit / "kit.json").read_text(encoding="utf-8"))
    assert manifest["clock"] == "system"
    assert parse_instant(manifest["test_day"]) == test_day
    # nothing follows the checkpoints (+11d) in this story: the kit holds for a day
    assert parse_instant(manifest["valid_until"]) == test_day + timedelta(days=1)
    assert {parse_instant(case["moment"]) for case in manifest["cases"]} == {test_day}
    checklist = (kit / "checklist.md").read_text(encoding="utf-8")
    assert "This kit holds from 2026-12-10T08:00:00+07:00 until 2026-12-11T08:00:00+07:00" \
        in checklist
    assert "Testbed instant" not in checklist
    # the documents were signed ten days before the test day (signed +1d, checkpoint +11d)
    for case in manifest["cases"]:
        with (kit / case["document"]).open("rb") as handle:
            signed_at = PdfFileReader(handle).embedded_signatures[0].self_reported_timestamp
        assert signed_at is not None
        assert abs(test_day - signed_at - timedelta(days=10)) < timedelta(minutes=1)


def test_a_kit_for_a_program_told_the_instant_keeps_the_testbed_instant(tmp_path: Path) -> None:
    import json

    from conformance.kit import export

    examples = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
    profile = tmp_path / "manual-argument.toml"
    profile.write_text((examples / "manual.toml").read_text(encoding="utf-8").replace(
        'kind = "manual"', 'kind = "manual"\nclock = "argument"'), encoding="utf-8")
    kit = tmp_path / "kit"
    export(profile, kit, ("*revoked-after-signing::verify-revoked-no-timestamp",))
    manifest = json.loads((kit / "kit.json").read_text(encoding="utf-8"))
    assert manifest["clock"] == "argument" and "test_day" not in manifest
    assert "Testbed instant" in (kit / "checklist.md").read_text(encoding="utf-8")
