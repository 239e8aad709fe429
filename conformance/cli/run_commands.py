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

from testbed import InvalidInputError

from .exit_codes import ExitCode

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``conform``, ``requirements`` and ``mutants`` to the root command."""
    conform = commands.add_parser("conform", help="run the conformance cases against a SUT")
    conform.set_defaults(handler=run_conform)
    conform.add_argument("--sut", type=Path, required=True, help="the SUT profile (sut.toml)")
    conform.add_argument("--only", action="append", default=[],
                         help="only cases whose ID matches (shell pattern or substring)")
    conform.add_argument("--policy", default="default",
                         help="validation policy: default, strict, or a policy .yaml file")
    conform.add_argument("--out", type=Path, help="output directory (default: out/conform-<sut>)")
    conform.add_argument("--jobs", type=int, default=1,
                         help="scenarios played in parallel worker processes (default 1)")
    conform.add_argument("--no-isolation", dest="isolation", action="store_false",
                         help="run the software under test without the bubblewrap sandbox "
                              "(where it cannot run); every report then says 'isolation: none'")
    requirements = commands.add_parser("requirements",
                                       help="the coverage table: requirement → cases → defects")
    requirements.set_defaults(handler=run_requirements)
    requirements.add_argument("--policy", default="default")
    requirements.add_argument("--mutants", action="store_true",
                              help="also play the catalogue with every defect (about 90 s)")
    requirements.add_argument("--json", action="store_true",
                              help="the same table as JSON, for machines")
    mutants = commands.add_parser(
        "mutants", help="which checkpoint catches which defective variant of the reference tools")
    mutants.set_defaults(handler=run_mutants)
    mutants.add_argument("--scenario", action="append", default=[],
                         help="limit to these catalogue scenarios (repeatable)")


def run_conform(arguments: argparse.Namespace) -> int:
    """``kyso conform``: run, print the counts, exit by the verdicts (see exit_codes)."""
    from conformance.runner import RunOptions, conform, exit_code
    from reports import findings_line

    out = arguments.out or Path("out") / f"conform-{arguments.sut.stem}"
    if arguments.jobs < 1:
        raise InvalidInputError("--jobs: must be at least 1")
    results = conform(RunOptions(profile=arguments.sut, out=out, policy=arguments.policy,
                                 only=tuple(arguments.only), jobs=arguments.jobs,
                                 isolation=arguments.isolation))
    counts = ", ".join(f"{verdict.value} {count}" for verdict, count in
                       sorted(results.summary.cases.items()))
    print(f"{len(results.cases)} cases: {counts}")
    line = findings_line(results)
    if line is not None:  # the technical verdict apart from what the person is shown
        print(f"{line.vi}\n{line.en}")
    if results.summary.mandatory_failures:
        print("mandatory requirements failed / yêu cầu bắt buộc không đạt: "
              + ", ".join(results.summary.mandatory_failures))
    print(f"isolation: {results.run.isolation}")
    print(f"results: {out / 'results.json'}")
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
    print(f"chính sách / policy {policy.name} (sha256 {digest[:16]}…)\n")
    print(render_coverage(rows))
    return ExitCode.OK


def _to_stderr(line: str) -> None:
    """Progress goes to stderr, so the table on stdout stays clean for a pipe."""
    print(line, file=sys.stderr, flush=True)


def run_mutants(arguments: argparse.Namespace) -> int:
    """``kyso mutants``: exit 1 when a defect goes uncaught or a reference tool fails."""
    from conformance.mutants import mutation_table
    from scenarios import find_scenario

    paths = [find_scenario(name) for name in arguments.scenario] or None
    table = mutation_table(paths, progress=_to_stderr)
    print(table.render())
    return ExitCode.FAILED if table.uncaught or table.reference_failures else ExitCode.OK
