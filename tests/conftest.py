"""Shared fixtures: ONE real testbed per test session (real keys, real HTTP on 127.0.0.1).

The testbed is pinned at the real current instant, so third-party clients that judge times by
their own clock (openssl) agree with it. Tests that move the clock or change a service's
behaviour restore it through the ``restore_clock`` / ``restore_services`` fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bilingual import ENVIRONMENT_VARIABLE
from testbed.clock import wall_clock
from testbed.service_modes import ServiceMode
from testbed.session import Testbed, running_testbed


@pytest.fixture(autouse=True)
def _default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in kyso's default language (Vietnamese first), whatever KYSO_LANG the
    person running the tests has set; a test that wants English sets it itself."""
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


@pytest.fixture(scope="session")
def testbed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    directory: Path = tmp_path_factory.mktemp("testbed")
    with running_testbed(directory, at=wall_clock()) as running:
        yield running


@pytest.fixture
def restore_clock(testbed: Testbed) -> Iterator[None]:
    saved = testbed.state.clock.clock()
    yield
    testbed.lifecycle.set_clock(saved)


@pytest.fixture
def restore_services(testbed: Testbed) -> Iterator[None]:
    yield
    for service in list(testbed.state.services):
        testbed.set_service(service, ServiceMode.NORMAL)


LONGEST_FIRST = (
    "tests/conformance/test_mutants.py",
    "tests/conformance/test_service_conform.py",
    "tests/conformance/test_runner.py",
    "tests/conformance/test_service_emulated.py",
    "tests/conformance/test_kit_round_trip.py",
    "tests/conformance/test_third_party_products.py",
    "tests/conformance/test_findings_run.py",
    "tests/conformance/test_isolation_choice.py",
    "tests/conformance/test_capabilities.py",
)
"""The files that take longest (``pytest --durations=0``, summed per file; the mutation table
alone is about a third of the suite), in that order.

``make test`` spreads files over the cores (``--dist loadfile --no-loadscope-reorder``) in
collection order; started last, one of these would run alone on one core long after the other
has finished. Started first, the many short files fill the other cores meanwhile."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The items of :data:`LONGEST_FIRST` first, in its order; the rest as collected."""
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}

    def order(item: pytest.Item) -> int:
        return rank.get(item.nodeid.split("::", 1)[0], len(rank))

    items.sort(key=order)  # stable: within a file, and among the others, collection order
