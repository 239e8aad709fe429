"""The run's isolation, as the tester meets it: kyso refuses to run a product unconfined unless
told to, says on the first page of every report how the product was isolated, and lets a
profile name the vendor's folder the product must read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from conformance.sut.isolation import bubblewrap_problem
from reports.html import render_html
from reports.pdf import render_pdf
from reports.results import Results, load_results
from tests.reports.conftest import run_tool

ROOT = Path(__file__).resolve().parents[2]
KYSO = Path(sys.executable).with_name("kyso")
REFERENCE_CLI = ROOT / "conformance" / "sut" / "examples" / "reference-cli.toml"
ONE_CASE = "verifier::happy-path::verify-b-b"
needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None,
                                      reason=f"{bubblewrap_problem()}")


def _kyso_without_bubblewrap(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``kyso conform`` on a PATH holding every program of this machine but bwrap: as on a
    machine without bubblewrap."""
    programs = out.parent / "programs-but-bwrap"
    programs.mkdir(exist_ok=True)
    for folder in (Path("/bin"), Path("/usr/bin"), KYSO.parent):
        for program in folder.iterdir():
            if program.name != "bwrap" and not (programs / program.name).exists():
                (programs / program.name).symlink_to(program)
    return subprocess.run(
        [str(KYSO), "conform", "--sut", str(REFERENCE_CLI), "--only", ONE_CASE, "--out",
         str(out), *extra], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PATH": str(programs)})


def test_without_bubblewrap_kyso_refuses_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    done = _kyso_without_bubblewrap(tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "bubblewrap is not installed" in done.stderr and "--no-isolation" in done.stderr
    assert not (tmp_path / "out").exists()


def test_with_no_isolation_it_runs_and_every_report_says_isolation_none(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = _kyso_without_bubblewrap(out, "--no-isolation")
    assert done.returncode == 0, done.stderr
    assert "isolation: none (--no-isolation)" in done.stdout
    results = load_results(out / "results.json")
    assert results.run.isolation == "none (--no-isolation)"
    html = render_html(results)
    assert "KHÔNG cô lập" in html and "isolation: none (--no-isolation)" in html
    _assert_first_pdf_page_says(results, tmp_path, "KHÔNG cô lập")


def _assert_first_pdf_page_says(results: Results, tmp_path: Path, words: str) -> None:
    path = tmp_path / "record.pdf"
    path.write_bytes(render_pdf(results))
    first_page = run_tool(["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(path),
                           "-"]).stdout
    assert words in " ".join(first_page.split()), first_page[:2000]


@needs_bubblewrap
def test_a_profiles_read_only_paths_are_readable_and_named(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A vendor's install folder outside the system view (and outside the profile's folder,
    which is readable anyway): unreadable unless the profile names it; named, it is readable
    and the report says so."""
    vendor = tmp_path_factory.mktemp("vendor-install")
    (vendor / "licence.txt").write_text("licensed to the lab\n", encoding="utf-8")
    results = {}
    for named in (False, True):
        profile = tmp_path / f"reader-{named}.toml"
        paths = f'read_only_paths = ["{vendor}"]\n' if named else ""
        (tmp_path / "reader.sh").write_text(f"cat {vendor}/licence.txt >&2\necho no-answer\n",
                                            encoding="utf-8")
        profile.write_text(f"""
roles = ["verifier"]
[sut]
name = "reader"
vendor = "tests"
version = "0"
[capabilities]
pades_levels = ["B-B"]
[adapter]
kind = "cli"
{paths}[adapter.cli]
verify = ["/bin/sh", "{{profile_dir}}/reader.sh"]
""", encoding="utf-8")
        out = tmp_path / f"out-{named}"
        results[named] = conform(RunOptions(profile, out, only=(ONE_CASE,)),
                                 progress=lambda line: None)
        printed = "".join(path.read_text() for path in sorted(out.rglob("stderr*.txt")))
        results[named] = (results[named], printed)
    assert "No such file" in results[False][1] and "licensed" not in results[False][1]
    assert "licensed to the lab\n" in results[True][1] and "No such" not in results[True][1]
    assert str(vendor) in (results[True][0].run.isolation or "")
    facts = json.loads(next((tmp_path / "out-True").rglob("command.json")).read_text())
    assert facts["isolation"].startswith("bubblewrap")
