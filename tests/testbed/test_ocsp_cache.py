"""Pre-produced OCSP responses (RFC 5019 2.2): a request without a nonce is answered from the
cache until something that changes the answer happens, and each such thing is named here: a
revocation, a clock move (either way), a service-mode change, the refresh interval of a moving
clock, and a status change dated in the testbed's future. A request with a nonce is signed
every time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import ocsp
from cryptography.x509 import ocsp as pyca_ocsp

from bench.ocsp_load import ocsp_request
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.ocsp_cache import REFRESH, OCSPResponseCache
from testbed.ocsp_responses import Answer
from testbed.service_modes import ServiceMode
from testbed.services import LiveServices
from testbed.session import Testbed, running_testbed

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ecdsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    """A P-256 responder: ECDSA signatures differ every time, so equal bytes mean 'cached'."""
    with running_testbed(tmp_path_factory.mktemp("ocsp-cache"), at=T0,
                         service_key=KeyType.P256) as testbed:
        yield testbed


def _ask(testbed: Testbed, services: LiveServices, label: str, *, nonce: bool = False
         ) -> bytes:
    from asn1crypto import x509

    issuer = x509.Certificate.load(testbed.certificate_der("ca-cv"))
    return services.ocsp_response("ca-cv", ocsp_request(
        issuer, testbed.certificate(label).serial, nonce=nonce))


def _status(der: bytes) -> str:
    return pyca_ocsp.load_der_ocsp_response(der).certificate_status.name.lower()


def _person(testbed: Testbed, subscriber_id: str) -> str:
    return testbed.issue(subscriber_id, name=VietnameseName(
        common_name="Trần Thị Mai", organization="Sở Nội vụ tỉnh Bắc Ninh")).label


def test_a_request_without_nonce_is_served_from_the_cache(ecdsa: Testbed) -> None:
    label = _person(ecdsa, "cache-hit")
    services = LiveServices(ecdsa.directory)
    first = _ask(ecdsa, services, label)
    assert _ask(ecdsa, services, label) == first
    assert _ask(ecdsa, services, label, nonce=True) != _ask(ecdsa, services, label, nonce=True)


def test_a_revocation_drops_the_cached_answer(ecdsa: Testbed) -> None:
    label = _person(ecdsa, "cache-revoke")
    services = LiveServices(ecdsa.directory)
    assert _status(_ask(ecdsa, services, label)) == "good"
    ecdsa.revoke(label)
    assert _status(_ask(ecdsa, services, label)) == "revoked"


@pytest.mark.parametrize("delta", [timedelta(hours=1), timedelta(seconds=-1)])
def test_a_clock_move_drops_the_cached_answer(ecdsa: Testbed, delta: timedelta) -> None:
    label = _person(ecdsa, f"cache-clock-{int(delta.total_seconds())}")
    services = LiveServices(ecdsa.directory)
    before = pyca_ocsp.load_der_ocsp_response(_ask(ecdsa, services, label))
    ecdsa.advance_clock(delta)
    try:
        after = pyca_ocsp.load_der_ocsp_response(_ask(ecdsa, services, label))
        assert after.this_update_utc == after.produced_at_utc == ecdsa.now()
        assert after.this_update_utc == before.this_update_utc + delta
    finally:
        ecdsa.advance_clock(-delta)


def test_a_service_mode_change_drops_the_cached_answer(ecdsa: Testbed) -> None:
    label = _person(ecdsa, "cache-mode")
    services = LiveServices(ecdsa.directory)
    assert _status(_ask(ecdsa, services, label)) == "good"
    ecdsa.set_service("ocsp:ca-cv", ServiceMode.UNKNOWN)
    try:
        assert _status(_ask(ecdsa, services, label)) == "unknown"
        ecdsa.set_service("ocsp:ca-cv", ServiceMode.UNAUTHORIZED)
        refused = ocsp.OCSPResponse.load(_ask(ecdsa, services, label))
        assert refused["response_status"].native == "unauthorized"
    finally:
        ecdsa.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    assert _status(_ask(ecdsa, services, label)) == "good"


# ---- the cache's own rules, at chosen instants -------------------------------------------
KEY = ("ca-cv", b"request")


def test_an_entry_serves_its_revision_and_mode_only() -> None:
    cache = OCSPResponseCache()
    cache.put(KEY, 7, ServiceMode.NORMAL, T0, Answer(b"der", None))
    assert cache.get(KEY, 7, ServiceMode.NORMAL, T0) == b"der"
    assert cache.get(KEY, 7, ServiceMode.UNKNOWN, T0) is None
    cache.put(KEY, 7, ServiceMode.NORMAL, T0, Answer(b"der", None))
    assert cache.get(KEY, 8, ServiceMode.NORMAL, T0) is None
    assert len(cache) == 0  # a stale entry is dropped, not kept


def test_a_moving_clock_gets_a_fresh_answer_every_refresh_interval() -> None:
    cache = OCSPResponseCache()
    cache.put(KEY, 1, ServiceMode.NORMAL, T0, Answer(b"der", None))
    assert cache.get(KEY, 1, ServiceMode.NORMAL, T0 + REFRESH - timedelta(seconds=1)) == b"der"
    assert cache.get(KEY, 1, ServiceMode.NORMAL, T0 + REFRESH) is None
    cache.put(KEY, 1, ServiceMode.NORMAL, T0, Answer(b"der", None))
    assert cache.get(KEY, 1, ServiceMode.NORMAL, T0 - timedelta(seconds=1)) is None


def test_an_answer_is_not_served_past_its_own_status_change() -> None:
    # e.g. 'good' for a certificate whose revocation is dated 10 s into the testbed's future
    cache = OCSPResponseCache()
    change = T0 + timedelta(seconds=10)
    cache.put(KEY, 1, ServiceMode.NORMAL, T0, Answer(b"der", change))
    assert cache.get(KEY, 1, ServiceMode.NORMAL, change - timedelta(seconds=1)) == b"der"
    assert cache.get(KEY, 1, ServiceMode.NORMAL, change) is None


def test_the_cache_is_bounded() -> None:
    cache = OCSPResponseCache(size=2)
    for number in range(3):
        cache.put(("ca-cv", bytes([number])), 1, ServiceMode.NORMAL, T0, Answer(b"x", None))
    assert len(cache) == 2
    assert cache.get(("ca-cv", b"\x00"), 1, ServiceMode.NORMAL, T0) is None


def test_a_future_revocation_answers_good_until_then(ecdsa: Testbed) -> None:
    from testbed.ocsp_cache import registry_status_of

    label = _person(ecdsa, "cache-future")
    record = ecdsa.certificate(label)
    ecdsa.advance_clock(timedelta(minutes=1))
    try:
        ecdsa.revoke(label)
    finally:
        ecdsa.advance_clock(-timedelta(minutes=1))
    revoked = ecdsa.certificate(label)
    assert revoked.revocation is not None
    status_of = registry_status_of({record.serial: revoked})
    earlier = revoked.revocation.revoked_at - timedelta(seconds=5)  # the testbed's now
    assert status_of(record.serial, earlier).status == "good"
    assert status_of(record.serial, earlier).until == revoked.revocation.revoked_at
    assert status_of(record.serial, revoked.revocation.revoked_at).status == "revoked"
    assert status_of(record.serial, record.issued_at - timedelta(seconds=1)).until \
        == record.issued_at  # 'unknown' until issued
    assert status_of(record.serial + 2, wall_clock()).status == "unknown"
