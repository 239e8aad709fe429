"""The catalogue's runs: ``kyso conform``, ``kyso requirements``, ``kyso mutants``.

``conform`` plays every case through a software under test and writes ``results.json``;
``requirements`` prints the coverage table (requirement → cases → defects); ``mutants`` shows
which checkpoint catches which defective variant of the reference tools. The runner, the
policy and the mutation table are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say
from testbed import InvalidInputError

from .exit_codes import ExitCode

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``conform``, ``requirements`` and ``mutants`` to the root command."""
    conform = commands.add_parser("conform", help=say(
        "chạy các điểm kiểm tra hợp chuẩn với một phần mềm được kiểm thử",
        "run the conformance cases against a SUT"))
    conform.set_defaults(handler=run_conform)
    conform.add_argument("--sut", type=Path, required=True, help=say(
        "hồ sơ phần mềm được kiểm thử (sut.toml)", "the SUT profile (sut.toml)"))
    conform.add_argument("--only", action="append", default=[], help=say(
        "chỉ các điểm kiểm tra có mã khớp (mẫu shell hoặc chuỗi con)",
        "only cases whose ID matches (shell pattern or substring)"))
    conform.add_argument("--policy", default="default", help=_policy_help())
    conform.add_argument("--out", type=Path, help=say(
        "thư mục đầu ra (mặc định: out/conform-<sut>)",
        "output directory (default: out/conform-<sut>)"))
    conform.add_argument("--jobs", type=int, default=1, help=_jobs_help())
    conform.add_argument("--shard", metavar="K/N", help=say(
        "chỉ chạy phần thứ K trong N phần của lượt chạy (chia theo kịch bản, như nhau trên mọi "
        "máy); gộp kết quả các phần bằng 'kyso report merge'", "play only part K of N of the run "
        "(split by scenario, the same on every machine); merge the parts' results with 'kyso "
        "report merge'"))
    conform.add_argument("--no-isolation", dest="isolation", action="store_false", help=say(
        "chạy phần mềm được kiểm thử không có hộp cát bubblewrap (nơi nó không chạy được); mọi "
        "báo cáo khi đó ghi 'isolation: none'", "run the software under test without the "
        "bubblewrap sandbox (where it cannot run); every report then says 'isolation: none'"))
    requirements = commands.add_parser("requirements", help=say(
        "bảng bao phủ: yêu cầu → điểm kiểm tra → lỗi",
        "the coverage table: requirement → cases → defects"))
    requirements.set_defaults(handler=run_requirements)
    requirements.add_argument("--policy", default="default", help=_policy_help())
    requirements.add_argument("--mutants", action="store_true", help=say(
        "chạy thêm danh mục với từng lỗi (khoảng 90 giây)",
        "also play the catalogue with every defect (about 90 s)"))
    requirements.add_argument("--json", action="store_true", help=say(
        "cùng bảng đó dạng JSON, cho máy đọc", "the same table as JSON, for machines"))
    mutants = commands.add_parser("mutants", help=say(
        "điểm kiểm tra nào bắt được biến thể có lỗi nào của công cụ tham chiếu",
        "which checkpoint catches which defective variant of the reference tools"))
    mutants.set_defaults(handler=run_mutants)
    mutants.add_argument("--scenario", action="append", default=[], help=say(
        "chỉ các kịch bản này của danh mục (lặp lại được)",
        "limit to these catalogue scenarios (repeatable)"))
    mutants.add_argument("--jobs", type=int, default=1, help=_jobs_help())


def _policy_help() -> str:
    return say("chính sách kiểm tra: default, strict, hoặc một tệp chính sách .yaml",
               "validation policy: default, strict, or a policy .yaml file")


def _jobs_help() -> str:
    return say("số kịch bản chạy song song trong các tiến trình con (mặc định 1)",
               "scenarios played in parallel worker processes (default 1)")


def _check_jobs(jobs: int) -> None:
    if jobs < 1:
        raise InvalidInputError(say("--jobs: phải từ 1 trở lên", "--jobs: must be at least 1"))


def run_conform(arguments: argparse.Namespace) -> int:
    """``kyso conform``: run, print the counts, exit by the verdicts (see exit_codes)."""
    from conformance.runner import RunOptions, conform, exit_code
    from conformance.shards import parse_shard
    from reports import findings_line

    _check_jobs(arguments.jobs)
    shard = parse_shard(arguments.shard) if arguments.shard else None
    part = f"-shard-{shard.index}-of-{shard.count}" if shard else ""
    out = arguments.out or Path("out") / f"conform-{arguments.sut.stem}{part}"
    results = conform(RunOptions(profile=arguments.sut, out=out, policy=arguments.policy,
                                 only=tuple(arguments.only), jobs=arguments.jobs,
                                 isolation=arguments.isolation, shard=shard))
    counts = ", ".join(f"{verdict.value} {count}" for verdict, count in
                       sorted(results.summary.cases.items()))
    print(say(f"{len(results.cases)} điểm kiểm tra: {counts}",
              f"{len(results.cases)} cases: {counts}"))
    plan = results.run.shard
    if plan is not None:  # what this machine's part of the run was
        print(say(f"phần {plan.index}/{plan.count}: {len(plan.assigned)} trong "
                  f"{len(plan.scenarios)} kịch bản, {len(results.cases)} trong "
                  f"{plan.selected_cases} điểm kiểm tra; gộp bằng 'kyso report merge'",
                  f"shard {plan.index}/{plan.count}: {len(plan.assigned)} of "
                  f"{len(plan.scenarios)} scenarios, {len(results.cases)} of "
                  f"{plan.selected_cases} cases; merge with 'kyso report merge'"))
    line = findings_line(results)
    if line is not None:  # the technical verdict apart from what the person is shown
        print(say(line.vi, line.en))
    if results.summary.mandatory_failures:
        failures = ", ".join(results.summary.mandatory_failures)
        print(say(f"yêu cầu bắt buộc không đạt: {failures}",
                  f"mandatory requirements failed: {failures}"))
    print(say(f"cô lập: {results.run.isolation}", f"isolation: {results.run.isolation}"))
    print(say(f"kết quả: {out / 'results.json'}", f"results: {out / 'results.json'}"))
    return exit_code(results)


def run_requirements(arguments: argparse.Namespace) -> int:
    """``kyso requirements``: the coverage table under a policy (with ``--mutants``, the
    defects that each checkpoint catches)."""
    from conformance.coverage import coverage_rows, render_coverage, render_coverage_json
    from conformance.policy import load_policy

    policy, digest = load_policy(arguments.policy)
    caught: dict[str, list[str]] | None = None
    if arguments.mutants:
        from conformance.mutants import mutation_table

        caught = {}
        for defect, checkpoints in mutation_table(progress=_to_stderr).caught.items():
            for checkpoint in checkpoints:
                caught.setdefault(checkpoint, []).append(defect.value)
    rows = coverage_rows(policy, caught)
    if arguments.json:
        print(render_coverage_json(rows, policy.name, digest))
        return ExitCode.OK
    print(say(f"chính sách {policy.name}", f"policy {policy.name}")
          + f" (sha256 {digest[:16]}…)\n")
    print(render_coverage(rows))
    return ExitCode.OK


def _to_stderr(line: str) -> None:
    """Progress goes to stderr, so the table on stdout stays clean for a pipe."""
    print(line, file=sys.stderr, flush=True)


def run_mutants(arguments: argparse.Namespace) -> int:
    """``kyso mutants``: exit 1 when a defect goes uncaught or a reference tool fails."""
    from conformance.mutants import mutation_table
    from scenarios import find_scenario

    _check_jobs(arguments.jobs)
    paths = [find_scenario(name) for name in arguments.scenario] or None
    table = mutation_table(paths, progress=_to_stderr, jobs=arguments.jobs)
    print(table.render())
    return ExitCode.FAILED if table.uncaught or table.reference_failures else ExitCode.OK
