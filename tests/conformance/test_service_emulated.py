"""The example service profiles drive the emulated services (``kyso emulate``) through the service
adapters: every family signs on a SoftHSM token of the session testbed and its signature
validates independently; the verifying families say TOTAL-PASSED for it; a defect behind a
service changes the answer; a misbehaving emulator is an ERROR of its kind."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.reference.roles import ReferenceVerifier
from conformance.sut.adapters import build_roles
from conformance.sut.contract import SutNoAnswer
from conformance.sut.profile import load_profile
from conformance.sut.service.adapter import ServiceSut
from emulators import serve_in_thread
from scenarios.outcomes import Indication, SignerOutcome
from scenarios.roles import SignRequest, VerifyRequest
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
FAMILIES = {"http-plugin": "emulated-http.toml", "ws-oneshot": "emulated-ws-oneshot.toml",
            "ws-session": "emulated-ws-session.toml",
            "remote-hash": "emulated-remote-hash.toml"}


def _profile_at(tmp_path: Path, example: str, url: str, **changes: str) -> ServiceSut:
    """The example profile with its base_url pointed at a running emulator."""
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    text = re.sub(r'^base_url = ".*"$', f'base_url = "{url}"', text, count=1, flags=re.M)
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / example
    path.write_text(text, encoding="utf-8")
    signer, verifier = build_roles(load_profile(path))
    sut = signer or verifier
    assert isinstance(sut, ServiceSut)
    return sut


@pytest.fixture(scope="module")
def token(testbed: Testbed) -> str:
    record, _ = testbed.tokens.create(
        "service-emulated", key_type="p256",
        name=VietnameseName(common_name="Phạm Văn Mô Phỏng", organization="UBND tỉnh Đắk Lắk"))
    return record.label


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("emulated") / "quyet-dinh.pdf"
    path.write_bytes(administrative_document())
    return path


def _roots(testbed: Testbed) -> list[Path]:
    anchors = testbed.trust_anchor_paths()
    return [anchors[label] for label in ("root-cv", "root-neac")]


def _sign(testbed: Testbed, label: str, source: Path, workdir: Path,
          level: str = "B-T") -> SignRequest:
    record = testbed.state.token(label)
    return SignRequest(
        input=source, output=workdir / "signed.pdf",
        token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=label,
        trust_roots=_roots(testbed), tsa_url=testbed.urls("ca-cv")["tsa"], level=level,
        moment=testbed.now(), field_name="ChuKyDichVu", workdir=workdir)


def _verify(testbed: Testbed, document: Path, workdir: Path) -> VerifyRequest:
    return VerifyRequest(input=document, trust_roots=_roots(testbed), moment=testbed.now(),
                         workdir=workdir)


@pytest.fixture(params=sorted(FAMILIES))
def family(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with serve_in_thread(request.param, 0) as service:
        yield request.param, service.url


def test_every_example_profile_signs_and_verifies_through_its_emulator(
        testbed: Testbed, token: str, document: Path, tmp_path: Path,
        family: tuple[str, str]) -> None:
    name, url = family
    sut = _profile_at(tmp_path, FAMILIES[name], url)
    answer = sut.sign(_sign(testbed, token, document, tmp_path / "sign"))
    assert answer.outcome is SignerOutcome.SIGNED, answer
    signed = Path(answer.output or "")
    assert signed.read_bytes().startswith(document.read_bytes())
    oracle = ReferenceVerifier().verify(_verify(testbed, signed, tmp_path / "oracle"))
    assert [(s.field_name, s.indication) for s in oracle.signatures] == \
        [("ChuKyDichVu", Indication.TOTAL_PASSED)]
    pin = testbed.tokens.user_pin(token)
    for path in (tmp_path / "sign").rglob("*"):
        if path.is_file():
            assert pin.encode() not in path.read_bytes(), path
    if "verifier" not in sut.profile.roles:
        return
    verdict = sut.verify(_verify(testbed, signed, tmp_path / "verify"))
    assert [(s.field_name, s.indication) for s in verdict.signatures] == \
        [("ChuKyDichVu", Indication.TOTAL_PASSED)]
    assert verdict.signatures[0].display["result"] == "Chữ ký số hợp lệ"
    sut.close()


def test_a_defect_behind_the_emulated_service_is_seen_through_the_adapter(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    record, _ = testbed.tokens.create("service-emulated-revoked", key_type="p256",
                                      name=VietnameseName(common_name="Đỗ Thị Thu Hồi"))
    with serve_in_thread("http-plugin", 0) as service:
        sut = _profile_at(tmp_path, FAMILIES["http-plugin"], service.url)
        answer = sut.sign(_sign(testbed, record.label, document, tmp_path / "sign",
                                level="B-B"))
        assert answer.outcome is SignerOutcome.SIGNED
        testbed.revoke(record.label, reason="key_compromise")
        right = sut.verify(_verify(testbed, tmp_path / "sign" / "signed.pdf",
                                   tmp_path / "right"))
        assert [s.indication for s in right.signatures] != [Indication.TOTAL_PASSED]
        refused = sut.sign(_sign(testbed, record.label, document, tmp_path / "again",
                                 level="B-B"))
        assert refused.outcome is SignerOutcome.REFUSED
        assert refused.display and "thu hồi" in refused.display
    with serve_in_thread("http-plugin", 0, defect="ignore-revocation") as service:
        defective = _profile_at(tmp_path, FAMILIES["http-plugin"], service.url)
        wrong = defective.verify(_verify(testbed, tmp_path / "sign" / "signed.pdf",
                                         tmp_path / "wrong"))
        assert [s.indication for s in wrong.signatures] == [Indication.TOTAL_PASSED]


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize(("mode", "kind"), [("hang", "timeout"), ("close", "connection"),
                                            ("garbage", "invalid-answer"), ("huge", "flood")])
def test_a_misbehaving_emulator_is_an_error_of_its_kind(
        testbed: Testbed, token: str, document: Path, tmp_path: Path, name: str, mode: str,
        kind: str) -> None:
    """The misbehaving-SUT matrix for services: every family, every way of misbehaving."""
    # a hang is waited for 2 s; the others are told apart by what comes, not by time (a flood
    # of 5 MB takes more than 2 s on a loaded machine, and would end as a timeout)
    timeout = 2 if mode == "hang" else 30
    with serve_in_thread(name, 0, misbehave=mode) as service:
        sut = _profile_at(tmp_path, FAMILIES[name], service.url,
                          **{"timeout_seconds = 120": f"timeout_seconds = {timeout}",
                             "max_reply_bytes = 50000000": "max_reply_bytes = 5000000"})
        with pytest.raises(SutNoAnswer) as caught:
            if "verifier" in sut.profile.roles:
                sut.verify(_verify(testbed, document, tmp_path / "case"))
            else:
                sut.sign(_sign(testbed, token, document, tmp_path / "case", level="B-B"))
        assert caught.value.kind == kind, caught.value.reason
        assert (tmp_path / "case" / "service-exchange.json").exists()
        sut.close()


# ---- kyso adapter check looks at the signer's output --------------------------------------------
def _checked(tmp_path: Path, text: str, name: str) -> tuple[int, list[str]]:
    from conformance.sut.adapter_check import check_adapter

    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    lines: list[str] = []
    return check_adapter(path, emit=lines.append), lines


def _emulated_signer(url: str) -> str:
    text = (EXAMPLES / FAMILIES["http-plugin"]).read_text(encoding="utf-8")
    text = re.sub(r'^base_url = ".*"$', f'base_url = "{url}"', text, count=1, flags=re.M)
    return text.replace('roles = ["signer", "verifier"]', 'roles = ["signer"]', 1)


@pytest.mark.parametrize(("defect", "wrong"), [
    (None, None),
    ("pkcs7-subfilter", "asked for PAdES B-B, the signature is CMS (adbe.pkcs7.detached) "
                        "(/SubFilter adbe.pkcs7.detached), not a PAdES baseline signature"),
    ("sha1-digest", "the new signature does not validate ("),
    ("partial-coverage", "the signature does not cover the whole file"),
])
def test_adapter_check_runs_the_oracle_on_the_signers_output(
        tmp_path: Path, defect: str | None, wrong: str | None) -> None:
    """Before, '✓ signed … the round trips worked' for any PDF that came back; now the oracle
    says what the signature is, or what is wrong with it, and a wrong one exits 1."""
    with serve_in_thread("http-plugin", 0, defect=defect) as service:
        code, lines = _checked(tmp_path, _emulated_signer(service.url), defect or "right")
    text = "\n".join(lines)
    if wrong is None:
        assert code == 0, text
        assert "  ✓ the oracle: PAdES baseline B-B, ecdsa with sha256, TOTAL-PASSED" in text
        return
    assert code == 1, text
    assert "  ✓ signed: " in text  # the service said it signed: the adapter fits
    assert f"  ✗ the output is wrong: {wrong}" in text
    last = lines[-2].strip()  # one line, before the note on the temporary evidence
    assert last.startswith(f"result: the service signed, but its output is wrong: {wrong}")
    assert last.endswith("(exit 1)") and "\n" not in last


def test_adapter_check_names_a_corrupt_pdf(tmp_path: Path) -> None:
    """A program (a real process, through the cli adapter) that answers 'signed' with a
    damaged file: the adapter fits, the output is wrong."""
    program = tmp_path / "broken_signer.py"
    program.write_text(
        "import json, sys\n"
        "output = sys.argv[sys.argv.index('--output') + 1]\n"
        "data = open(sys.argv[sys.argv.index('--input') + 1], 'rb').read()\n"
        "open(output, 'wb').write(data[: len(data) // 3])\n"
        "print(json.dumps({'version': 1, 'outcome': 'signed', 'output': output,\n"
        "                  'display': 'Đã ký số thành công'}))\n", encoding="utf-8")
    profile = f"""roles = ["signer"]
regimes = ["public", "cong-vu"]
[sut]
name = "broken"
vendor = "tests"
version = "1"
[capabilities]
pades_levels = ["B-B"]
[adapter]
kind = "cli"
[adapter.cli]
sign = ["{{python}}", "{program}", "--input", "{{input}}", "--output", "{{output}}"]
answer = "json"
"""
    code, lines = _checked(tmp_path, profile, "broken")
    text = "\n".join(lines)
    assert code == 1, text
    assert "  ✗ the output is wrong: the output is not a readable signed PDF (" in text
    assert lines[-2].strip().startswith("result: the service signed, but its output is wrong: "
                                        "the output is not a readable signed PDF")
