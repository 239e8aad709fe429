"""The format reaches the software under test through every process adapter.

A toy SUT (a Python script written here, run in the sandbox like any product) reports what it
was handed: the ``{format}`` and ``{content}`` placeholders of a cli command, or the
``format`` / ``content`` fields of its batch input, and the bytes of the detached content it
could read (the sandbox grants the content read-only, as it grants the input). A profile that
never mentions formats still receives exactly what it received before: no ``format`` field in
a PAdES batch, and a request in another format is declined, not sent.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance.sut.contract import SutUnsupported, VerifyCase, batch_input_json, verify_case
from conformance.sut.process.batch import BatchSut, run_batch
from conformance.sut.process.cli import CliSut
from conformance.sut.profile import load_profile
from scenarios import SignatureFormat, VerifierAnswer, VerifyRequest

TOY = '''
import hashlib, json, sys
from pathlib import Path

def seen(signature_format, content):
    digest = hashlib.sha256(Path(content).read_bytes()).hexdigest() if content else ""
    return {"signatures": [{"indication": "TOTAL-PASSED",
                            "display": {"result": f"{signature_format}|{content}|{digest}"}}]}

if sys.argv[1] == "batch":
    cases = json.load(sys.stdin)["cases"]
    Path("batch-input.json").write_text(json.dumps(cases))
    print(json.dumps({"version": 1, "results": [
        {"case_id": c["case_id"], "answer": {"version": 1, **seen(c.get("format", "(absent)"),
                                                                   c.get("content"))}}
        for c in cases]}))
else:
    print(json.dumps({"version": 1, **seen(sys.argv[2], sys.argv[3])}))
'''


def _profile(tmp_path: Path, kind: str, formats: str | None) -> CliSut | BatchSut:
    tmp_path.mkdir(exist_ok=True)
    script = tmp_path / "toy_sut.py"
    script.write_text(TOY, encoding="utf-8")
    declared = "" if formats is None else f"formats = {formats}\n"
    if kind == "cli":
        adapter = ('[adapter.cli]\nverify = ["{python}", "{profile_dir}/toy_sut.py", "verify", '
                   '"{format}", "{content}"]\nanswer = "json"\n')
    else:
        adapter = '[adapter.batch]\ncommand = ["{python}", "{profile_dir}/toy_sut.py", "batch"]\n'
    text = (f'roles = ["verifier"]\n[sut]\nname = "toy"\nvendor = "kyso tests"\nversion = "1"\n'
            f"[capabilities]\n{declared}[adapter]\nkind = \"{kind}\"\n{adapter}")
    (tmp_path / "sut.toml").write_text(text, encoding="utf-8")
    profile = load_profile(tmp_path / "sut.toml")
    return CliSut(profile) if kind == "cli" else BatchSut(profile)


def _request(tmp_path: Path, signature_format: SignatureFormat, name: str,
             content: Path | None = None) -> VerifyRequest:
    signed = tmp_path / f"{name}.signed"
    signed.write_bytes(b"a signature")
    anchor = tmp_path / "root.pem"
    anchor.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    workdir = tmp_path / "work" / name
    workdir.mkdir(parents=True)
    return VerifyRequest(input=signed, trust_roots=[anchor], workdir=workdir,
                         moment=datetime(2026, 11, 22, 2, tzinfo=UTC), format=signature_format,
                         content=content)


def _seen(answer_display: str | None) -> list[str]:
    return (answer_display or "").split("|")


@pytest.mark.parametrize("kind", ["cli", "batch"])
def test_the_format_and_the_detached_content_reach_the_sut(tmp_path: Path, kind: str) -> None:
    sut = _profile(tmp_path / "profile", kind, '["pades", "cades", "xades"]')
    content = tmp_path / "documents" / "bien-ban.docx"  # not under the profile's folder
    content.parent.mkdir()
    content.write_bytes("nội dung đã ký".encode())
    detached = _request(tmp_path, SignatureFormat.CADES, "cades", content)
    xml = _request(tmp_path, SignatureFormat.XADES, "xades")
    if isinstance(sut, BatchSut):  # both cases in one process, as a batch run sends them
        answers = run_batch(sut.profile, [("c1", detached), ("c2", xml)], tmp_path / "batch")
        cades, xades = answers["c1"], answers["c2"]
        assert isinstance(cades, VerifierAnswer) and isinstance(xades, VerifierAnswer)
    else:
        cades, xades = sut.verify(detached), sut.verify(xml)
    digest = hashlib.sha256(content.read_bytes()).hexdigest()
    assert _seen(cades.signatures[0].display["result"]) == \
        ["cades", str(content.resolve()), digest]
    assert _seen(xades.signatures[0].display["result"])[:2] == \
        ["xades", "" if kind == "cli" else "None"]


def test_a_profile_silent_on_formats_gets_pdf_as_before_and_declines_the_rest(
        tmp_path: Path) -> None:
    sut = _profile(tmp_path, "cli", None)
    answer = sut.verify(_request(tmp_path, SignatureFormat.PADES, "pdf"))
    assert _seen(answer.signatures[0].display["result"])[:2] == ["pades", ""]
    with pytest.raises(SutUnsupported, match="capabilities.formats"):
        sut.verify(_request(tmp_path, SignatureFormat.CMS, "cms"))
    assert not list((tmp_path / "work" / "cms").glob("command*.json"))  # never started


def test_a_pdf_batch_reads_what_it_read_before_formats() -> None:
    pdf = VerifyCase(case_id="a", input="/d/a.pdf", trust_files=[], moment="2026-11-22T09:00:00"
                     "+07:00")
    cades = pdf.model_copy(update={"case_id": "b", "format": SignatureFormat.CADES,
                                   "content": "/d/b.docx"})
    data = json.loads(batch_input_json([pdf, cades]))
    assert "format" not in data["cases"][0] and "content" not in data["cases"][0]
    assert data["cases"][1]["format"] == "cades" and data["cases"][1]["content"] == "/d/b.docx"
    before = {"version": 1, "cases": [pdf.model_dump(mode="json", exclude={"format",
                                                                           "content"})]}
    assert batch_input_json([pdf]) == json.dumps(before, ensure_ascii=False,
                                                 separators=(",", ":")).encode()


def test_the_contract_case_of_a_request_carries_its_format() -> None:
    request = VerifyRequest(input=Path("x.p7s"), trust_roots=[], format=SignatureFormat.CMS,
                            content=Path("x.zip"), moment=datetime(2026, 1, 1, tzinfo=UTC))
    case = verify_case(request, "c")
    assert case.format is SignatureFormat.CMS and case.content == str(Path("x.zip").resolve())
    assert sys.executable  # the toy SUT runs on kyso's own Python ({python})


def test_a_service_gets_the_format_and_the_detached_content(tmp_path: Path) -> None:
    """http: ``{format}``, ``{content_base64}``, ``{content_name}`` in a verify step's body."""
    import base64

    from tests.conformance.service_toys import ToyServer, http_plugin
    from tests.conformance.test_service_adapter import HTTP_STEPS, profile_text, service_sut

    steps = HTTP_STEPS.replace('TrustFiles = "{trust_files}"\n[adapter.service.verify.reply]',
                               'TrustFiles = "{trust_files}"\nFormat = "{format}"\n'
                               'ContentData = "{content_base64}"\n'
                               'ContentName = "{content_name}"\n'
                               '[adapter.service.verify.reply]')
    assert steps != HTTP_STEPS
    content = tmp_path / "documents" / "ho-so.zip"
    content.parent.mkdir()
    content.write_bytes(b"PK\x03\x04 a package")
    with ToyServer(http_plugin) as toy:
        toy.state["quick"] = True
        text = profile_text("http", toy.url, steps, roles='["verifier"]').replace(
            "[capabilities]\n", '[capabilities]\nformats = ["pades", "cms"]\n')
        sut = service_sut(tmp_path, text)
        try:
            sut.verify(_request(tmp_path, SignatureFormat.CMS, "cms", content))
            sent = toy.state["last_verify"]
            assert sent["Format"] == "cms" and sent["ContentName"] == "ho-so.zip"
            assert base64.b64decode(sent["ContentData"]) == content.read_bytes()
            sut.verify(_request(tmp_path, SignatureFormat.PADES, "pdf"))
            sent = toy.state["last_verify"]
            assert (sent["Format"], sent["ContentData"], sent["ContentName"]) == ("pades", "", "")
        finally:
            sut.close()
