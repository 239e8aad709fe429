"""The cli adapter runs the signer under OpenSC's pkcs11-spy: the trace shows the signature made
on the token (C_Sign) and no attempt to read or wrap the private key; PINs never reach it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.reference.inspection import OracleInspector
from conformance.sut.adapters import build_roles
from conformance.sut.profile import load_profile
from scenarios.outcomes import SignerOutcome
from scenarios.roles import SignRequest
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.errors import TokenError
from testbed.session import Testbed
from testbed.tokens.access import TokenAccess
from testbed.tokens.trace import spy_module

ROOT = Path(__file__).resolve().parent.parent.parent
PROFILE = ROOT / "conformance" / "sut" / "examples" / "reference-cli.toml"


def _has_spy() -> bool:
    try:
        spy_module()
    except TokenError:
        return False
    return True


@pytest.mark.skipif(not _has_spy(), reason="pkcs11-spy (Debian package opensc) not installed")
def test_reference_signer_signs_on_the_token_without_touching_the_key(
        testbed: Testbed, tmp_path: Path) -> None:
    record, _ = testbed.tokens.create(
        "pkcs11-trace-reference", key_type="p256",
        name=VietnameseName(common_name="Nguyễn Thị Trace"))
    label = record.label
    certificate = testbed.state.subscriber(record.subscriber).current_certificate
    assert certificate is not None
    authority = testbed.state.authorities[testbed.state.certificates[certificate].issuer]
    tsa_owner = authority.label if authority.tsa else "ca-cv"
    workdir = tmp_path / "step"
    workdir.mkdir()
    certificate_file = workdir / "expected-signer.der"
    certificate_file.write_bytes(testbed.certificate_der(certificate))
    source = tmp_path / "cong-van.pdf"
    source.write_bytes(administrative_document())
    output = tmp_path / "signed.pdf"
    anchors = testbed.trust_anchor_paths()
    request = SignRequest(
        input=source, output=output, token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=label,
        trust_roots=[anchors[name] for name in ("root-cv", "root-neac")],
        tsa_url=testbed.urls(tsa_owner)["tsa"], level="B-B", moment=testbed.now(),
        certificate=certificate_file, field_name="Signature-signed", workdir=workdir)

    signer, _ = build_roles(load_profile(PROFILE))
    assert signer is not None
    answer = signer.sign(request)
    assert answer.outcome is SignerOutcome.SIGNED, answer

    summary = json.loads((workdir / "pkcs11-trace.json").read_text(encoding="utf-8"))
    assert summary["traced"] is True
    assert summary["sign_calls"] >= 1
    assert summary["tried_key_extraction"] is False
    assert summary["private_key_reads"] == [] and summary["wrap_calls"] == []
    assert "C_Sign" in summary["functions"]
    trace = (workdir / "pkcs11-trace.txt").read_text(encoding="utf-8")
    assert "C_Sign" in trace
    assert testbed.tokens.user_pin(label) not in trace
    # the SUT was given the spy, forwarding to the real module
    given = TokenAccess.load(workdir / "token-access.json")
    original = TokenAccess.load(request.token_access)
    assert given.module == str(spy_module())
    assert given.env["PKCS11SPY"] == original.module
    assert OracleInspector().inspect(request, answer) == []


def test_inspector_reports_what_the_trace_shows(tmp_path: Path) -> None:
    from conformance.reference.inspection import _token_use_problems

    (tmp_path / "pkcs11-trace.json").write_text(json.dumps(
        {"traced": True, "sign_calls": 0, "tried_key_extraction": True}))
    assert _token_use_problems(tmp_path) == [
        "the program tried to read or wrap the private key (PKCS#11 trace)",
        "no C_Sign on the token: the signature was not made with the token's key "
        "(PKCS#11 trace)"]
    (tmp_path / "pkcs11-trace.json").write_text(json.dumps({"traced": False}))
    assert _token_use_problems(tmp_path) == []
    assert _token_use_problems(None) == []
