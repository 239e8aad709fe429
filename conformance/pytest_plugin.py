"""pytest as the conformance engine: ``pytest --kyso-sut PROFILE`` turns every case of the
catalogue into a test item, so a lab's CI gets pytest's selection (-k), reporting and JUnit.

The whole run happens once (it is stateful: stories played on testbeds), on the first item;
each item then reports its case's verdict: PASS passes, SKIPPED skips with the reason, FAIL and
ERROR fail with expected / actual / reason. ``results.json`` is written to ``--kyso-out`` like
``kyso conform`` does.

Under pytest-xdist (``-n N``) the run still happens once: in the controller, before the worker
processes start, with the scenarios played by N worker processes (``kyso conform --jobs N``);
each worker reads the run's ``results.json`` (its path handed over in the worker's input)
instead of playing the stories again.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from bilingual import say
from reports import Results, Verdict, load_results


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kyso", say("kiểm thử sự phù hợp kyso", "kyso conformance"))
    group.addoption("--kyso-sut", type=Path, help=say(
        "chạy các điểm kiểm tra sự phù hợp với hồ sơ phần mềm được kiểm thử này (sut.toml) "
        "thay vì thu thập các test",
        "run the conformance cases against this SUT profile (sut.toml) instead of collecting "
        "tests"))
    group.addoption("--kyso-out", type=Path, help=say(
        "nơi ghi results.json (mặc định: một thư mục tạm)",
        "where results.json goes (default: a temporary directory)"))
    group.addoption("--kyso-policy", default="default", help=say("chính sách kiểm tra",
                                                                 "validation policy"))
    group.addoption("--kyso-only", action="append", default=[], help=say(
        "mẫu mã điểm kiểm tra (case ID)", "case ID patterns"))


class CaseFailedError(Exception):
    """A case whose verdict is FAIL or ERROR."""


class KysoCase(pytest.Item):
    def __init__(self, *, case_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case_id = case_id

    def runtest(self) -> None:
        results = _results(self.config)
        case = next((c for c in results.cases if c.id == self.case_id), None)
        if case is None:
            raise CaseFailedError(f"{self.case_id}: " + say("không được chạy", "not run"))
        if case.verdict is Verdict.SKIPPED:
            pytest.skip(case.reason)
        if case.verdict is not Verdict.PASS:
            raise CaseFailedError(
                f"{case.verdict.value} [{case.severity.value}] {case.id}\n"
                f"  {say('yêu cầu', 'requirements')}: {', '.join(case.requirements)}\n"
                f"  {say('mong đợi', 'expected')}: {case.expected}\n"
                f"  {say('thực tế', 'actual')}: {case.actual}\n"
                f"  {say('lý do', 'reason')}: {case.reason}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailedError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.case_id


def _results(config: pytest.Config) -> Results:
    cached = getattr(config, "_kyso_results", None)
    if cached is None:
        # an xdist worker is handed the results of the run the controller made
        handed = getattr(config, "workerinput", {}).get(WORKER_RESULTS)
        cached = load_results(Path(handed)) if handed is not None else _run(config)
        config._kyso_results = cached  # type: ignore[attr-defined]
    return cached


def _run(config: pytest.Config) -> Results:
    from conformance.runner import RunOptions, conform

    out = config.getoption("kyso_out") or Path(tempfile.mkdtemp(prefix="kyso-pytest-"))
    workers = getattr(config.option, "numprocesses", None)
    conform(RunOptions(config.getoption("kyso_sut"), out,
                       policy=config.getoption("kyso_policy"),
                       only=tuple(config.getoption("kyso_only")),
                       jobs=workers if isinstance(workers, int) and workers > 1 else 1),
            progress=lambda line: None)
    config._kyso_out = out  # type: ignore[attr-defined]
    return load_results(out / "results.json")


WORKER_RESULTS = "kyso_results"
"""The key of the run's results.json path in an xdist worker's input."""


def _distributing(config: pytest.Config) -> bool:
    """True in a pytest-xdist controller that hands the items to worker processes."""
    return config.pluginmanager.has_plugin("dsession")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist, run the cases once in the controller, before its workers start."""
    if session.config.getoption("kyso_sut") is not None and _distributing(session.config):
        _results(session.config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """(pytest-xdist) tell a starting worker where the run's results are."""
    out = getattr(node.config, "_kyso_out", None)
    if out is not None:
        node.workerinput[WORKER_RESULTS] = str(out / "results.json")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    profile_path = config.getoption("kyso_sut")
    if profile_path is None:
        return
    from conformance.cases import all_cases, matches
    from conformance.sut.profile import load_profile

    profile = load_profile(profile_path)
    only = list(config.getoption("kyso_only"))
    items[:] = [KysoCase.from_parent(session, name=case.id, case_id=case.id)
                for case in all_cases() if case.role in profile.roles and matches(case, only)]
