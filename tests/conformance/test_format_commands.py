"""``kyso sign`` and ``kyso verify`` take every format of TT15/2025 Annex I (rows 1.4-1.7).

Run for real: kyso's own ``main``, the session's testbed on 127.0.0.1, SoftHSM tokens. The
format is chosen by the input (PDF → PAdES, XML → XAdES, any other file → a detached CAdES
``.p7s``; a signed file is recognised by what it holds) or by ``--format``; the exit codes are
the same as for PDF; bad input is one line naming the file. Independent clients judge the
outputs: Debian's ``xmlsec1 --verify`` the XAdES and XML-DSig, ``openssl cms -verify`` the
CAdES and CMS ones.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.cli.exit_codes import ExitCode
from conformance.reference.format_choice import detect, verification_format
from scenarios import SignatureFormat
from testbed import VietnameseName, word_document
from testbed.documents import administrative_document
from testbed.session import Testbed
from testbed.xml_documents import invoice_document
from tests.conformance.xml_helpers import xmlsec1_verify

NAME = VietnameseName(common_name="Phạm Thị Hồng Nhung", title="Kế toán trưởng",
                      organization="Công ty TNHH Phú Hưng", locality="Cần Thơ")
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl missing")
needs_xmlsec1 = pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 missing")


@pytest.fixture(scope="module")
def token(testbed: Testbed) -> str:
    record, _ = testbed.tokens.create("format-commands", key_type="p256", name=NAME)
    return record.label


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("format-inputs")
    files = {"hoa-don.xml": invoice_document(), "bien-ban.docx": word_document(),
             "cong-van.pdf": administrative_document()}
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return {name: directory / name for name in files}


def _roots(testbed: Testbed, directory: Path) -> Path:
    path = directory / "roots.pem"
    path.write_text("".join(testbed.trust_anchor_paths()[label].read_text()
                            for label in ("root-cv", "root-neac")))
    return path


def _sign(testbed: Testbed, token: str, source: Path, output: Path, *extra: str) -> int:
    return main(["sign", str(source), str(output), "--token", token,
                 "--dir", str(testbed.directory), *extra])


def _verify(testbed: Testbed, path: Path, *extra: str) -> int:
    return main(["verify", str(path), "--dir", str(testbed.directory), *extra])


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return json.loads(capsys.readouterr().out)


@needs_xmlsec1
@pytest.mark.parametrize(("signature_format", "level"), [("xades", "B-T"), ("xmldsig", None)])
def test_kyso_signs_xml_that_xmlsec1_accepts_and_verify_recognises(
        testbed: Testbed, token: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], signature_format: str, level: str | None) -> None:
    signed = tmp_path / f"hoa-don-{signature_format}.xml"
    extra = ["--format", signature_format] + (["--level", level] if level else [])
    assert _sign(testbed, token, inputs["hoa-don.xml"], signed, *extra) == ExitCode.OK
    assert detect(signed) is SignatureFormat(signature_format)
    accepted = xmlsec1_verify(signed, _roots(testbed, tmp_path))
    assert accepted.returncode == 0, accepted.stderr
    capsys.readouterr()
    assert _verify(testbed, signed, "--json") == ExitCode.VALID
    answer = _json(capsys)
    assert [s["indication"] for s in answer["signatures"]] == ["TOTAL-PASSED"]  # type: ignore[index]
    assert _verify(testbed, signed) == ExitCode.VALID
    shown = capsys.readouterr().out
    assert shown.index("Kết quả kiểm tra chữ ký số") < shown.index("Signature verification")


@needs_xmlsec1
def test_detached_xades_is_verified_with_its_content(
        testbed: Testbed, token: str, inputs: dict[str, Path], tmp_path: Path) -> None:
    signature = tmp_path / "hoa-don.sig.xml"
    assert _sign(testbed, token, inputs["hoa-don.xml"], signature, "--format", "xades",
                 "--form", "detached", "--level", "B-B") == ExitCode.OK
    assert _verify(testbed, signature, "--content", str(inputs["hoa-don.xml"])) == \
        ExitCode.VALID
    renamed = tmp_path / "renamed-copy.xml"  # the person names the document: any name
    renamed.write_bytes(inputs["hoa-don.xml"].read_bytes())
    assert _verify(testbed, signature, "--content", str(renamed)) == ExitCode.VALID
    changed = tmp_path / "hoa-don.xml"
    original = inputs["hoa-don.xml"].read_bytes()
    changed.write_bytes(original.replace(b"<SHDon>1234<", b"<SHDon>1235<"))
    assert _verify(testbed, signature, "--content", str(changed)) == ExitCode.NOT_VALID
    accepted = xmlsec1_verify(signature, _roots(testbed, tmp_path), inputs["hoa-don.xml"])
    assert accepted.returncode == 0, accepted.stderr


@needs_openssl
@pytest.mark.parametrize("signature_format", ["cades", "cms"])
def test_kyso_signs_any_file_detached_that_openssl_accepts(
        testbed: Testbed, token: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], signature_format: str) -> None:
    source = inputs["bien-ban.docx"]
    assert _sign(testbed, token, source, tmp_path / "bien-ban", "--format",
                 signature_format) == ExitCode.OK
    signature = tmp_path / "bien-ban.p7s"  # OUTPUT.p7s
    assert signature.exists() and not (tmp_path / "bien-ban").exists()
    assert detect(signature) is SignatureFormat(signature_format)
    openssl = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature),
         "-content", str(source), "-CAfile", str(_roots(testbed, tmp_path)), "-purpose", "any",
         "-out", "/dev/null"], capture_output=True, text=True, timeout=60, check=False)
    assert openssl.returncode == 0, openssl.stderr
    capsys.readouterr()
    assert _verify(testbed, signature, "--content", str(source), "--json") == ExitCode.VALID
    assert _json(capsys)["signatures"][0]["indication"] == "TOTAL-PASSED"  # type: ignore[index]
    other = tmp_path / "other.docx"
    other.write_bytes(word_document(["Biên bản khác"]))
    assert _verify(testbed, signature, "--content", str(other)) == ExitCode.NOT_VALID


def test_the_input_chooses_the_format(testbed: Testbed, token: str, inputs: dict[str, Path],
                                      tmp_path: Path) -> None:
    """No --format: a .docx gets a detached CAdES .p7s, an XML document XAdES, a PDF PAdES."""
    assert _sign(testbed, token, inputs["bien-ban.docx"], tmp_path / "a.p7s",
                 "--level", "B-B") == ExitCode.OK
    assert detect(tmp_path / "a.p7s") is SignatureFormat.CADES
    assert _sign(testbed, token, inputs["hoa-don.xml"], tmp_path / "a.xml",
                 "--level", "B-B") == ExitCode.OK
    assert detect(tmp_path / "a.xml") is SignatureFormat.XADES
    assert _sign(testbed, token, inputs["cong-van.pdf"], tmp_path / "a.pdf",
                 "--level", "B-B") == ExitCode.OK
    assert detect(tmp_path / "a.pdf") is SignatureFormat.PADES
    assert detect(inputs["hoa-don.xml"]) is None  # unsigned XML
    assert verification_format(inputs["hoa-don.xml"], None) is SignatureFormat.XADES
    # a detached signature verified without its content: not valid, said why, not a crash
    assert _verify(testbed, tmp_path / "a.p7s") in (ExitCode.NOT_VALID, ExitCode.INPUT)


@pytest.mark.parametrize(("extra", "said"), [
    (["--format", "odf"], "--format: unknown format 'odf'"),
    (["--format", "cades", "--visible", "1,10,10,200,80"], "--visible: only for PDF"),
    (["--format", "xmldsig", "--form", "detached"], "--form: e-invoice XML-DSig is enveloped"),
    (["--format", "cms", "--level", "B-T"], "--level: a plain CMS signature has no level"),
    (["--format", "pades", "--form", "enveloped"], "--form: only for XML signatures"),
])
def test_a_request_the_format_cannot_take_is_one_line(
        testbed: Testbed, token: str, inputs: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        extra: list[str], said: str) -> None:
    monkeypatch.setenv("KYSO_LANG", "en")
    output = tmp_path / "out"
    assert _sign(testbed, token, inputs["hoa-don.xml"], output, *extra) == ExitCode.USAGE
    error = capsys.readouterr().err.strip()
    assert said in error and len(error.splitlines()) == 1
    assert not output.exists() and not output.with_name("out.p7s").exists()


def test_bad_input_names_the_file(testbed: Testbed, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    hostile = tmp_path / "xxe.xml"
    hostile.write_bytes(b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM '
                        b'"file:///etc/passwd">]><a>&x;</a>')
    assert _verify(testbed, hostile) == ExitCode.INPUT
    error = capsys.readouterr().err.strip()
    assert str(hostile) in error and len(error.splitlines()) == 1
    assert "root:" not in error
    assert _verify(testbed, hostile, "--content", str(hostile), "--format", "pades") == \
        ExitCode.INPUT
