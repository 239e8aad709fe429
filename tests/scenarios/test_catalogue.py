"""Every catalogue scenario runs green with the reference tools on a fresh testbed; a wrong
expectation fails loudly, naming the checkpoint, what was expected and what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.scenario_runs import checkpoint_count, play
from scenarios import find_variant, format_variants
from scenarios.loader import catalogue_paths, load_scenario, parse_scenario
from scenarios.scenario_run import format_run

VARIANTS = [played.id for path in catalogue_paths()
            for played in format_variants(load_scenario(path))]
"""Every story in every format it applies to: ``tampering``, ``tampering@xades``, ..."""


@pytest.mark.parametrize("name", VARIANTS)
def test_catalogue_scenario_passes_with_the_reference_tools(name: str, tmp_path: Path) -> None:
    run = play(find_variant(name), tmp_path)
    assert run.passed, format_run(run)
    assert run.checkpoints, "a catalogue scenario without checkpoints proves nothing"
    index = (tmp_path / "run" / "index.json").read_text(encoding="utf-8")
    assert '"passed": true' in index


def test_a_wrong_expectation_fails_naming_checkpoint_expected_and_actual(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "scenarios" / "tampering.yaml").read_text(
        encoding="utf-8")
    wrong = text.replace("""    input: byte-flipped
    expect:
      indication: TOTAL-FAILED""", """    input: byte-flipped
    expect:
      indication: TOTAL-PASSED""")
    assert wrong != text
    run = play(parse_scenario(wrong, "tampering.yaml"), tmp_path)
    assert not run.passed
    report = format_run(run)
    failing = [line for line in report.splitlines() if line.startswith(" ✗")]
    assert len(failing) == 1 and "«verify-byte-changed»" in failing[0]
    assert "expected TOTAL-PASSED (HASH_FAILURE|SIG_CRYPTO_FAILURE); got TOTAL-FAILED " \
        "(HASH_FAILURE) — wrong indication" in report
    assert report.splitlines()[-1].startswith("FAILED: 3 checkpoint(s), 1 failing step(s)")


def test_scenario_commands_give_one_line_errors(tmp_path: Path) -> None:
    import subprocess
    import sys

    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\ntitle: {vi: x}\n", encoding="utf-8")
    for arguments, message in (
            (["run", str(broken)], "broken.yaml:2: title.en: bắt buộc, đang thiếu / required"),
            (["show", "no-such-story"], "không có trong danh mục (đã có: "),
            (["show", "no-such-story"], "/ scenario 'no-such-story' is not in"),
            (["run", str(tmp_path / "absent.yaml")], "không có tệp kịch bản này / no such")):
        result = subprocess.run([sys.executable, "-m", "conformance.cli", "scenario", *arguments],
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 2
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_the_checkpoint_count_is_vietnamese_first_with_the_english_plural_right() -> None:
    assert checkpoint_count(1).strip() == "1 điểm kiểm tra / 1 checkpoint"
    assert checkpoint_count(3).strip() == "3 điểm kiểm tra / 3 checkpoints"
    assert len(checkpoint_count(1)) == len(checkpoint_count(3))  # the titles line up
