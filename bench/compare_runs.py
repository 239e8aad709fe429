"""Two runs' results compared case by case, field by field: did a change alter any judgement?

``kyso report diff`` tells a vendor which verdicts moved. A refactor or a speed-up of kyso itself
must move nothing at all, not even a reason's wording, so this compares every case's verdict,
severity, expected and actual answer, reason and requirement IDs, and every requirement's verdict.
Instants and durations are left out: they differ from run to run by design.

Run: ``.venv/bin/python -m bench.compare_runs OLD/results.json NEW/results.json``. Prints the
count of cases compared and each difference; exits 1 when anything differs, 2 on a bad file,
141 when the output's reader closed it early (``| head``), without a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from reports.results import Results, ResultsFileError, load_results

CASE_FIELDS = ("verdict", "severity", "expected", "actual", "reason", "requirements")
"""What a judgement is made of; ``judged_at`` and ``duration_seconds`` are not."""

PIPE_CLOSED = 141
"""Exit status when the reader of the output went away (128 + SIGPIPE, as ``kyso`` exits)."""


def compare(old: Results, new: Results) -> list[str]:
    """Every difference between the two runs' judgements, one line each (empty: identical)."""
    differences: list[str] = []
    before = {case.id: case for case in old.cases}
    after = {case.id: case for case in new.cases}
    for identifier in sorted(before.keys() | after.keys()):
        if identifier not in after or identifier not in before:
            side = "only in old" if identifier in before else "only in new"
            differences.append(f"{identifier}: {side}")
            continue
        for name in CASE_FIELDS:
            was, now = getattr(before[identifier], name), getattr(after[identifier], name)
            if was != now:
                differences.append(f"{identifier}: {name} {was!r} -> {now!r}")
    old_requirements = {req.id: req.verdict for req in old.requirements}
    new_requirements = {req.id: req.verdict for req in new.requirements}
    if old_requirements != new_requirements:
        for identifier in sorted(old_requirements.keys() | new_requirements.keys()):
            was, now = old_requirements.get(identifier), new_requirements.get(identifier)
            if was != now:
                differences.append(f"requirement {identifier}: {was} -> {now}")
    return differences


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 2:
        print("usage: python -m bench.compare_runs OLD/results.json NEW/results.json",
              file=sys.stderr)
        return 2
    try:
        old, new = (load_results(Path(argument)) for argument in arguments)
    except ResultsFileError as error:
        print(f"compare_runs: {error}", file=sys.stderr)
        return 2
    differences = compare(old, new)
    try:
        print(f"{len(new.cases)} cases and {len(new.requirements)} requirements compared: "
              f"{len(differences)} differences")
        for line in differences:
            print(f"  {line}")
        sys.stdout.flush()
    except BrokenPipeError:  # ``| head`` read what it wanted: stop quietly, as kyso does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return PIPE_CLOSED
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
