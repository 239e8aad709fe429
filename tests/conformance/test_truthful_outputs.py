"""What kyso leaves behind tells the truth (issue 21, item 7): ``--lab`` never changes a testbed
the user did not make for the lab; ``token show`` says a locked token is locked, with its own
PIN-try limit; a refused run leaves no empty folder; the signed record lists the failing cases,
says where results.json is, and its signature is visible.

The real ``kyso`` in its own process, on the session testbed, a real lab and real PDFs.
"""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader

from reports import Verdict
from testbed.ca.names import VietnameseName
from testbed.session import Testbed
from tests.reports.conftest import run_tool
from tests.reports.sample import sample_results

KYSO = Path(sys.executable).with_name("kyso")
REFERENCE_CLI = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples" / \
    "reference-cli.toml"


def kyso(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KYSO), *arguments], capture_output=True, text=True, timeout=300,
                          check=False)


def _results(folder: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "results.json"
    path.write_text(sample_results().model_dump_json())
    return path


def _tree(directory: Path) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_report_render_lab_refuses_a_users_testbed_and_changes_nothing(
        tmp_path: Path, testbed: Testbed) -> None:
    results = _results(tmp_path / "run")
    registry = (testbed.directory / "registry.json").read_bytes()
    done = kyso("report", "render", str(results), "--out", str(tmp_path / "out"), "--lab",
                str(testbed.directory))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.count("\n") == 1 and "not made for the lab" in done.stderr
    assert (testbed.directory / "registry.json").read_bytes() == registry  # clock, certificates
    assert not (tmp_path / "out").exists()


def test_the_signed_record_lists_failing_cases_and_shows_its_signature(tmp_path: Path) -> None:
    results = _results(tmp_path / "run")
    out, lab = tmp_path / "out", tmp_path / "lab"
    done = kyso("report", "render", str(results), "--out", str(out), "--lab", str(lab))
    assert done.returncode == 0, done.stderr
    signed = out / "report-signed.pdf"
    text = " ".join(run_tool(["pdftotext", "-enc", "UTF-8", str(signed), "-"]).stdout.split())
    failing = [case for case in sample_results().cases
               if case.verdict in (Verdict.FAIL, Verdict.ERROR)]
    assert f"Cases failed or in error ({len(failing)})" in text
    raw = run_tool(["pdftotext", "-raw", "-enc", "UTF-8", str(signed), "-"]).stdout
    squeezed = "".join(raw.split())  # a long case ID is cut across its cell's lines
    for case in failing:
        assert case.id in squeezed, case.id
    assert "results.json cùng thư mục" not in text and "../run/results.json" in text
    reader = PdfFileReader(BytesIO(signed.read_bytes()), strict=False)
    signature, = reader.embedded_regular_signatures
    x1, y1, x2, y2 = (float(value) for value in signature.sig_field["/Rect"])
    assert x2 - x1 > 100 and y2 - y1 > 50 and "/AP" in signature.sig_field  # a visible box
    last_page = reader.root["/Pages"]["/Kids"][-1].get_object()
    assert any(annotation.get_object() == signature.sig_field
               for annotation in last_page["/Annots"])
    verified = kyso("verify", str(signed), "--testbed", str(lab))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = kyso("report", "render", str(results), "--out", str(out), "--lab", str(lab))
    assert again.returncode == 0, again.stderr  # the lab kyso made is the lab's to reuse


def test_the_record_beside_its_results_says_so(tmp_path: Path) -> None:
    results = _results(tmp_path / "run")
    assert kyso("report", "render", str(results)).returncode == 0
    text = " ".join(run_tool(["pdftotext", "-enc", "UTF-8", str(tmp_path / "run" / "report.pdf"),
                              "-"]).stdout.split())
    assert "results.json cùng thư mục" in text and "results.json too" in text


def test_token_show_says_locked_with_the_tokens_own_limit(testbed: Testbed) -> None:
    token, _ = testbed.tokens.create("khoa-pin-ba", key_type="p256", max_pin_tries=3,
                                     name=VietnameseName(common_name="Khổng Văn Ba"))
    shown = kyso("token", "show", token.label, "--dir", str(testbed.directory))
    assert "status         : in-use" in shown.stdout
    assert "PIN tries      : 3 left of 3" in shown.stdout
    assert "KYSO_MAX_PIN_TRIES=3" in shown.stdout  # the access file: the token's own limit
    assert testbed.tokens.lock(token.label) == 3
    locked = kyso("token", "show", token.label, "--dir", str(testbed.directory))
    assert locked.returncode == 0, locked.stderr
    assert "status         : locked" in locked.stdout
    assert "PIN tries      : 0 left of 3" in locked.stdout
    testbed.tokens.restore(token.label)
    restored = kyso("token", "show", token.label, "--dir", str(testbed.directory))
    assert "status         : in-use" in restored.stdout
    assert "PIN tries      : 3 left of 3" in restored.stdout


def test_a_lost_token_shows_lost(testbed: Testbed) -> None:
    token, _ = testbed.tokens.create("mat-token", key_type="p256",
                                     name=VietnameseName(common_name="Mạc Thị Tâm"))
    testbed.tokens.lose(token.label)
    shown = kyso("token", "show", token.label, "--dir", str(testbed.directory))
    assert shown.returncode == 0, shown.stderr
    assert "status         : lost" in shown.stdout


def test_conform_only_matching_nothing_leaves_no_output_folder(tmp_path: Path) -> None:
    before = _tree(tmp_path)
    done = kyso("conform", "--sut", str(REFERENCE_CLI), "--only", "nomatch", "--out",
                str(tmp_path / "D"), "--no-isolation")
    assert done.returncode == 2 and "--only: no case matches" in done.stderr, done.stderr
    assert not (tmp_path / "D").exists() and _tree(tmp_path) == before


def test_a_lab_made_before_the_marker_is_still_the_labs_and_other_folders_are_refused(
        tmp_path: Path) -> None:
    results = _results(tmp_path / "run")
    lab = tmp_path / "lab"
    assert kyso("report", "render", str(results), "--lab", str(lab)).returncode == 0
    (lab / "kyso-lab").unlink()  # as out/demo/lab was made by an older kyso
    again = kyso("report", "render", str(results), "--lab", str(lab))
    assert again.returncode == 0, again.stderr
    assert (lab / "kyso-lab").is_file()
    other = tmp_path / "papers"
    other.mkdir()
    (other / "note.txt").write_text("mine\n")
    refused = kyso("report", "render", str(results), "--out", str(tmp_path / "o2"), "--lab",
                   str(other))
    assert refused.returncode == 2 and "is not empty" in refused.stderr, refused.stderr
    assert _tree(other) == {"note.txt": b"mine\n"} and not (tmp_path / "o2").exists()
