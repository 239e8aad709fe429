"""Which keys a run's testbeds get: the run's pool for a product started afresh per call, fresh
keys in every testbed for one that lives across scenarios (a service, a person's program)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.runner import run_keys
from conformance.sut.profile import load_profile
from testbed import KEY_POOL_DIR
from testbed.ca.key_pool import active_key_pool

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"


@pytest.mark.parametrize("example", ["manual.toml", "emulated-http.toml",
                                     "emulated-ws-session.toml"])
def test_a_product_living_across_scenarios_meets_fresh_keys(example: str,
                                                             tmp_path: Path) -> None:
    with run_keys(load_profile(EXAMPLES / example), tmp_path):
        assert active_key_pool() is None
    assert active_key_pool() is not None


@pytest.mark.parametrize("example", ["reference-cli.toml", "defective-verifier-cli.toml",
                                     "reference-batch.toml"])
def test_a_product_started_per_call_shares_the_runs_pool(example: str, tmp_path: Path) -> None:
    with run_keys(load_profile(EXAMPLES / example), tmp_path):
        pool = active_key_pool()
        assert pool is not None and pool.directory == tmp_path / KEY_POOL_DIR
