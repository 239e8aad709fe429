"""The key pool: a role's key reused across testbeds, distinct roles distinct keys, a re-key
still new, token keys never pooled, the on-disk pool private, and the switch that turns it off."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from asn1crypto import x509

from testbed.ca.key_pool import (
    KeyPool,
    active_key_pool,
    key_pool_directory,
    key_pool_disabled,
)
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.clock import wall_clock
from testbed.session import Testbed

OFFICER = VietnameseName(common_name="Lê Thị Hoa", organization="Sở Tư pháp tỉnh Ninh Bình")


def _public_key(testbed: Testbed, label: str) -> bytes:
    return x509.Certificate.load(testbed.certificate_der(label)).public_key.dump()


def _key_files(testbed: Testbed) -> dict[str, bytes]:
    return {path.name: path.read_bytes()
            for path in sorted((testbed.directory / "keys").glob("*.key.pem"))}


def test_same_role_same_key_distinct_roles_distinct_keys() -> None:
    pool = KeyPool()
    first, first_pem = pool.key("ca-cv", KeyType.P256)
    again, again_pem = pool.key("ca-cv", KeyType.P256)
    assert first is again and first_pem == again_pem
    other, other_pem = pool.key("ca-cv-ocsp", KeyType.P256)
    assert other_pem != first_pem
    assert pool.key("ca-cv", KeyType.P384)[1] != first_pem  # the type is part of the role
    assert len(pool) == 3


def test_a_second_testbed_reuses_the_hierarchy_keys_yet_keeps_them_distinct(
        tmp_path: Path, testbed: Testbed) -> None:
    """The session testbed filled the pool: a new one generates no authority key, and within
    it every authority, responder and TSA still has a key of its own."""
    assert active_key_pool() is not None
    with Testbed.create(tmp_path / "second", at=wall_clock()) as second:
        keys, first = _key_files(second), _key_files(testbed)
        assert all(first[name] == pem_bytes for name, pem_bytes in keys.items())
        assert len(set(keys.values())) == len(keys) == 12
        issued = second.issue("pooled-subscriber", name=OFFICER)
        assert _public_key(second, issued.label) not in {
            _public_key(second, label) for label in second.state.authorities}


def test_reissue_still_gives_a_new_key_with_the_pool_on(testbed: Testbed) -> None:
    old = testbed.issue("rekeyed", name=OFFICER)
    testbed.revoke("rekeyed", reason=RevocationReason.KEY_COMPROMISE)
    new = testbed.reissue("rekeyed")
    assert _public_key(testbed, new.label) != _public_key(testbed, old.label)


def test_pool_off_generates_every_key_fresh(tmp_path: Path, testbed: Testbed) -> None:
    with key_pool_disabled():
        assert active_key_pool() is None
        with Testbed.create(tmp_path / "fresh", at=wall_clock()) as fresh:
            fresh_keys = _key_files(fresh)
    pooled = _key_files(testbed)
    assert fresh_keys and not set(fresh_keys.values()) & set(pooled.values())
    assert active_key_pool() is not None


def test_environment_switch_turns_the_pool_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYSO_KEY_POOL", "0")
    assert active_key_pool() is None
    monkeypatch.setenv("KYSO_KEY_POOL", "1")
    assert active_key_pool() is not None


def test_on_disk_pool_is_private_and_shared_by_processes_reading_it(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    pool = KeyPool(run / "key-pool")
    _, pem_bytes = pool.key("root-cv", KeyType.P256)
    files = list((run / "key-pool").iterdir())
    assert len(files) == 1 and files[0].name.endswith(".key.pem")
    assert "root-cv" not in files[0].name  # a hash names the file, not the scenario's label
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((run / "key-pool").stat().st_mode) == 0o700
    assert KeyPool(run / "key-pool").key("root-cv", KeyType.P256)[1] == pem_bytes


def test_key_pool_directory_is_only_in_force_inside_its_block(tmp_path: Path) -> None:
    before = active_key_pool()
    with key_pool_directory(tmp_path / "pool"):
        inside = active_key_pool()
        assert inside is not None and inside.directory == tmp_path / "pool"
    assert active_key_pool() is before


def test_key_pool_directory_keeps_the_keys_the_process_already_holds(tmp_path: Path) -> None:
    """A second conformance run in the same process (pytest) generates no hierarchy again."""
    held = active_key_pool()
    assert held is not None
    _, pem_bytes = held.key("kept-role", KeyType.P256)
    with key_pool_directory(tmp_path / "pool"):
        inside = active_key_pool()
        assert inside is not None and inside.key("kept-role", KeyType.P256)[1] == pem_bytes
