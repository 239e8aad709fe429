"""One-line bilingual errors, never a traceback (issue 21, item 3): the real ``kyso`` in its own
process, on a deep or cyclic PDF, a ``--dir`` or ``--out`` it cannot use, and a closed pipe.

Each case is what a newcomer met: the file, the path and the pipe are real, and the exit status
is the one :data:`conformance.cli.exit_codes.ERROR_EXIT_CODES` gives the error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli.exit_codes import ExitCode
from testbed.ca.names import VietnameseName
from testbed.session import Testbed
from tests.reports.sample import sample_results

KYSO = Path(sys.executable).with_name("kyso")
REFERENCE_CLI = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples" / \
    "reference-cli.toml"
TOKEN = "pipe-reader"


def kyso(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(KYSO), *arguments], capture_output=True, text=True, timeout=120,
                          check=False)


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """Exit ``code``, stderr one line ``kyso: …`` with Vietnamese and English, no traceback."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("kyso: "), done.stderr
    assert " / " in done.stderr  # Vietnamese first, then English
    for word in words:
        assert word in done.stderr, done.stderr


def pdf(objects: list[bytes]) -> bytes:
    """A well-formed one-revision PDF of ``objects`` (object 1 is the catalogue)."""
    body, offsets = b"%PDF-1.7\n", []
    for number, content in enumerate(objects, 1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    table = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return body + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, table)


DEEP = pdf([b"<< /Type /Catalog /Pages 2 0 R /Deep " + b"[" * 600 + b"]" * 600 + b" >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>"])
"""1.4 KB: 600 nested arrays in the catalogue, which pyHanko reads recursively."""

CYCLIC = pdf([b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>",
              b"<< /Type /Pages /Kids [] /Count 0 >>",
              b"<< /T (a) /Kids [4 0 R] >>",
              b"<< /T (b) /Parent 3 0 R /Kids [3 0 R] >>"])
"""A form field tree that loops: field a's kid b has a as its kid."""


@pytest.fixture(scope="module")
def token_testbed(testbed: Testbed) -> Path:
    """The session testbed, holding a token to show."""
    if testbed.tokens.holding(TOKEN) is None:
        testbed.tokens.create(TOKEN, key_type="p256",
                              name=VietnameseName(common_name="Lê Thị Ống"))
    return testbed.directory


def test_verify_a_pdf_of_600_nested_arrays_says_so_in_one_line(
        tmp_path: Path, token_testbed: Path) -> None:
    assert len(DEEP) < 1500
    (tmp_path / "deep.pdf").write_bytes(DEEP)
    done = kyso("verify", str(tmp_path / "deep.pdf"), "--testbed", str(token_testbed))
    assert_one_line(done, ExitCode.USAGE, "lồng nhau quá sâu", "nested too deeply")


def test_sign_refuses_a_pdf_of_600_nested_arrays_in_one_line(
        tmp_path: Path, token_testbed: Path) -> None:
    (tmp_path / "deep.pdf").write_bytes(DEEP)
    done = kyso("sign", str(tmp_path / "deep.pdf"), str(tmp_path / "signed.pdf"), "--token",
                TOKEN, "--testbed", str(token_testbed))
    assert_one_line(done, ExitCode.USAGE, "nested too deeply")
    assert not (tmp_path / "signed.pdf").exists()


def test_verify_a_pdf_whose_field_tree_loops_says_so_in_one_line(
        tmp_path: Path, token_testbed: Path) -> None:
    (tmp_path / "cyclic.pdf").write_bytes(CYCLIC)
    done = kyso("verify", str(tmp_path / "cyclic.pdf"), "--testbed", str(token_testbed))
    assert_one_line(done, ExitCode.USAGE, "không kiểm tra được tệp", "cannot check the file")


@pytest.mark.parametrize("command", [["ca", "issue", "nguyen-van-an", "--name", "Nguyễn Văn An"],
                                     ["up"], ["token", "list"]])
def test_a_dir_naming_a_regular_file_is_a_one_line_error(tmp_path: Path,
                                                         command: list[str]) -> None:
    regular = tmp_path / "not-a-folder"
    regular.write_text("a file\n")
    done = kyso(*command, "--dir", str(regular))
    assert_one_line(done, ExitCode.USAGE, "không phải thư mục", "not a testbed directory")
    assert regular.read_text() == "a file\n"


def test_conform_out_where_no_folder_can_be_made_is_a_one_line_error() -> None:
    done = kyso("conform", "--sut", str(REFERENCE_CLI), "--only",
                "verifier::happy-path::verify-b-b", "--out", "/proc/x", "--no-isolation")
    assert_one_line(done, ExitCode.USAGE, "--out", "/proc/x", "cannot make the directory")


def _piped(command: str, reader: str, errors: Path) -> tuple[int, str, str]:
    """``command | reader`` in bash, through a real pipe: the writer's status, its stderr
    (kept in ``errors``), and what the reader printed."""
    script = f"{command} 2>'{errors}' | {reader}; echo \"status=${{PIPESTATUS[0]}}\""
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          check=False)
    output, _, status = done.stdout.rpartition("status=")
    return int(status), errors.read_text(), output


def test_token_show_piped_into_head_has_no_traceback(tmp_path: Path,
                                                     token_testbed: Path) -> None:
    command = f"'{KYSO}' token show {TOKEN} --dir '{token_testbed}'"
    errors = tmp_path / "stderr"
    status, stderr, output = _piped(command, "head -1", errors)
    assert output.startswith("trạng thái") and output.count("\n") == 1, output
    assert "Traceback" not in stderr and status in (ExitCode.OK, ExitCode.PIPE_CLOSED), stderr
    # a reader that leaves before kyso writes (head -n 0 reads nothing): the pipe is closed
    status, stderr, output = _piped(command, "head -n 0", errors)
    assert (status, stderr, output) == (ExitCode.PIPE_CLOSED, "", "")


def test_report_diff_and_compare_runs_piped_into_head_have_no_traceback(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    results = sample_results()
    old.write_text(results.model_dump_json())
    new.write_text(results.model_copy(update={"cases": results.cases[1:]}).model_dump_json())
    for command in (f"'{KYSO}' report diff '{old}' '{new}'",
                    f"cd '{Path(__file__).resolve().parents[2]}' && '{sys.executable}' -m "
                    f"bench.compare_runs '{old}' '{new}'"):
        status, stderr, output = _piped(command, "head -n 0", tmp_path / "stderr")
        assert (status, stderr, output) == (ExitCode.PIPE_CLOSED, "", ""), command
        status, stderr, output = _piped(command, "head -1", tmp_path / "stderr")
        assert "Traceback" not in stderr and output.count("\n") == 1, (command, stderr)
