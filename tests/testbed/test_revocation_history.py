"""A CA's revocation history recorded in bulk: the served CRL and the OCSP responder carry it.

A testbed of this module's own with a history of :data:`HISTORY` revocations (the scenario
``large-crl`` records 100,000; here a few thousand keep the test fast), fetched over real HTTP.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from cryptography import x509

from testbed import InvalidInputError
from testbed.ca.crls import CrlEntryCache
from testbed.ca.names import VietnameseName
from testbed.ca.revocation_history import history_rows, record_revocation_history
from testbed.clock import wall_clock
from testbed.session import Testbed, running_testbed
from tests.helpers import fetch, ocsp_status

HISTORY = 3000


@pytest.fixture(scope="module")
def with_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Testbed]:
    with running_testbed(tmp_path_factory.mktemp("history"), at=wall_clock()) as testbed:
        testbed.issue("officer", name=VietnameseName(common_name="Đinh Thị Nhung"))
        testbed.issue("leaver", name=VietnameseName(common_name="Lương Văn Khải"))
        record_revocation_history(testbed.lifecycle.store, "ca-cv", HISTORY, seed=3)
        testbed.revoke("leaver")
        yield testbed


def _served_crl(testbed: Testbed) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(fetch(testbed.urls("ca-cv")["crl"]))


def test_the_served_crl_holds_the_history_and_the_story_s_revocations(with_history: Testbed
                                                                      ) -> None:
    testbed = with_history
    crl = _served_crl(testbed)
    assert len(crl) == HISTORY + 1
    serials = [entry.serial_number for entry in crl]
    leaver = testbed.certificate("leaver-1").serial
    assert leaver in serials and testbed.certificate("officer-1").serial not in serials
    assert serials == sorted(serials)  # the story's serial sits among the history's
    assert 0 < serials.index(leaver) < HISTORY
    authority = testbed.certificate("ca-cv")
    for entry in crl:
        assert authority.not_before <= entry.revocation_date_utc <= testbed.now()


def test_the_history_is_a_plausible_mix_with_invalidity_dates_for_compromised_keys(
        with_history: Testbed) -> None:
    crl = _served_crl(with_history)
    reasons: Counter[str] = Counter()
    for entry in crl:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        reasons[reason.name] += 1
        invalidity = [extension for extension in entry.extensions
                      if isinstance(extension.value, x509.InvalidityDate)]
        assert bool(invalidity) == (reason is x509.ReasonFlags.key_compromise)
        if invalidity:
            assert invalidity[0].value.invalidity_date_utc <= entry.revocation_date_utc
    assert reasons["superseded"] > reasons["key_compromise"] > 0
    assert len(reasons) >= 5


def test_ocsp_answers_revoked_for_a_serial_of_the_history_and_unknown_for_others(
        with_history: Testbed) -> None:
    testbed = with_history
    row = testbed.lifecycle.store.database.revoked("ca-cv", "ca-cv")[HISTORY // 2]
    answer = ocsp_status(testbed, "officer-1", serial=row.serial)
    single = answer["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
    assert single["cert_status"].name == "revoked"
    revoked_at = single["cert_status"].chosen["revocation_time"].native
    assert revoked_at == datetime.fromtimestamp(row.revoked_at, UTC)
    never = ocsp_status(testbed, "officer-1", serial=12345)
    status = never["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]
    assert status["cert_status"].name == "unknown"
    good = ocsp_status(testbed, "officer-1")
    assert good["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0][
        "cert_status"].name == "good"


def test_the_same_seed_gives_the_same_history_and_another_seed_another() -> None:
    since, until = datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    first = history_rows(100, 5, since, until)
    assert first == history_rows(100, 5, since, until)
    assert {row.serial for row in first}.isdisjoint(
        row.serial for row in history_rows(100, 6, since, until))
    assert all(since.timestamp() <= row.revoked_at <= until.timestamp() for row in first)
    assert all(row.revoked_at == int(row.revoked_at) for row in first)  # whole seconds


def test_a_history_of_nothing_or_for_a_root_is_refused(with_history: Testbed) -> None:
    store = with_history.lifecycle.store
    with pytest.raises(InvalidInputError, match="1 đến"):
        record_revocation_history(store, "ca-cv", 0)
    with pytest.raises(InvalidInputError, match="issues no subscriber certificates"):
        record_revocation_history(store, "root-cv", 10)


def test_the_entry_cache_builds_only_rows_that_are_new_or_changed() -> None:
    since, until = datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    rows = history_rows(50, 9, since, until)
    cache = CrlEntryCache()
    first = cache.entries(rows)
    assert [item.entry.serial_number for item in first] == [row.serial for row in rows]
    changed = rows[3]._replace(reason="unspecified" if rows[3].reason != "unspecified"
                               else "superseded")
    added = rows[0]._replace(serial=rows[-1].serial + 2)
    second = cache.entries([*rows[:3], changed, *rows[5:], added])
    assert second[0] is first[0] and second[2] is first[2]  # reused, not rebuilt
    assert second[3] is not first[3]
    assert second[3].entry.extensions.get_extension_for_class(
        x509.CRLReason).value.reason.name == changed.reason
    assert rows[4].serial not in {item.entry.serial_number for item in second}  # dropped
    assert second[-1].entry.serial_number == added.serial and len(second) == 50
