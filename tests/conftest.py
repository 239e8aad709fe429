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
