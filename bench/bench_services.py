"""The whole catalogue through kyso's reference tools behind each emulated local signing service,
against the same tools through the ``cli`` adapter, in the same run.

Prints, per adapter: cases, wall time, time per case, and how many verdicts differ from the
``cli`` run (the issue's promise is zero). ``--jobs N`` plays scenarios in N worker processes,
as ``kyso conform --jobs`` does. Run: ``.venv/bin/python -m bench.bench_services [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
import time
from pathlib import Path

from conformance.runner import RunOptions, conform
from emulators import serve_in_thread
from reports.results import Results

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "conformance" / "sut" / "examples"
FAMILIES = {"http-plugin": "emulated-http.toml", "ws-oneshot": "emulated-ws-oneshot.toml",
            "ws-session": "emulated-ws-session.toml",
            "remote-hash": "emulated-remote-hash.toml"}


def _timed(profile: Path, out: Path, jobs: int) -> tuple[float, Results]:
    started = time.perf_counter()
    results = conform(RunOptions(profile, out, jobs=jobs), progress=lambda line: None)
    return time.perf_counter() - started, results


def _line(label: str, seconds: float, results: Results, differing: int | None) -> str:
    cases = len(results.cases)
    counts = ", ".join(f"{verdict.value} {n}" for verdict, n in
                       sorted(results.summary.cases.items(), key=lambda item: item[0].value))
    text = (f"{label:<28} {cases:3} cases in {seconds:6.1f} s = "
            f"{seconds / max(cases, 1) * 1000:5.0f} ms per case ({counts})")
    if differing is not None:
        text += f"; {differing} verdicts differ from cli"
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=1)
    arguments = parser.parse_args(argv)
    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        seconds, baseline = _timed(EXAMPLES / "reference-cli.toml", directory / "cli",
                                   arguments.jobs)
        print(_line("cli (reference_sut.py)", seconds, baseline, None), flush=True)
        expected = {case.id: (case.verdict, case.actual) for case in baseline.cases}
        for family, example in FAMILIES.items():
            with serve_in_thread(family) as service:
                text = (EXAMPLES / example).read_text(encoding="utf-8")
                profile = directory / example
                profile.write_text(re.sub(r'^base_url = ".*"$', f'base_url = "{service.url}"',
                                          text, count=1, flags=re.MULTILINE), encoding="utf-8")
                seconds, results = _timed(profile, directory / family, arguments.jobs)
            differing = sum(1 for case in results.cases
                            if expected.get(case.id) != (case.verdict, case.actual))
            print(_line(family, seconds, results, differing), flush=True)


if __name__ == "__main__":
    main()
