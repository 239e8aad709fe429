"""The TSA's request log: every answered request is written down, whole lines only, also when
several processes append at once; the testbed reads it back."""

from __future__ import annotations

import hashlib
import multiprocessing
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from asn1crypto import algos, core, tsp

from testbed.errors import InvalidInputError, ServiceError
from testbed.session import Testbed
from testbed.tsa_log import (
    GRANTED,
    REJECTED,
    TSA_LOG_FILE,
    TimestampLogEntry,
    append_entry,
    read_entries,
)
from tests.helpers import fetch

WRITERS = 4
ENTRIES_PER_WRITER = 150


class _Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's own model requires one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _request(data: bytes, nonce: int | None) -> bytes:
    fields = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(data).digest(),
        },
        "cert_req": True,
    }
    if nonce is not None:
        fields["nonce"] = nonce
    return tsp.TimeStampReq(fields).dump()


def _stamp(testbed: Testbed, authority: str, body: bytes) -> tsp.TimeStampResp:
    return tsp.TimeStampResp.load(fetch(testbed.urls(authority)["tsa"], body,
                                        "application/timestamp-query"))


def test_a_granted_request_is_logged_with_serial_imprint_nonce_and_time(
        testbed: Testbed) -> None:
    nonce = secrets.randbits(64)
    data = f"Quyết định {nonce}".encode()
    response = _stamp(testbed, "ca-cv", _request(data, nonce))
    info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    entries = [e for e in testbed.timestamp_log("ca-cv") if e.nonce == nonce]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.status == GRANTED and entry.tsa == "ca-cv"
    assert entry.serial == info["serial_number"].native
    assert entry.hash_algorithm == "sha256"
    assert entry.imprint == hashlib.sha256(data).digest()
    assert entry.time == info["gen_time"].native == testbed.now()
    assert entry.matches(entry.serial, "sha256", hashlib.sha256(data).digest())
    assert not entry.matches(entry.serial, "sha256", hashlib.sha256(b"other").digest())
    # the public CA's TSA keeps its own entries apart
    _stamp(testbed, "ca-public", _request(data, nonce + 1))
    assert [e.tsa for e in testbed.timestamp_log() if e.nonce == nonce + 1] == ["ca-public"]
    assert not [e for e in testbed.timestamp_log("ca-cv") if e.nonce == nonce + 1]


def test_a_request_without_nonce_and_a_malformed_one_are_logged_too(testbed: Testbed) -> None:
    before = len(testbed.timestamp_log("ca-cv"))
    _stamp(testbed, "ca-cv", _request(b"no nonce", None))
    answer = fetch(testbed.urls("ca-cv")["tsa"], b"\x30\x03\x02\x01\x01",
                   "application/timestamp-query")
    assert _Rejection.load(answer)["status"]["status"].native == REJECTED
    latest = testbed.timestamp_log("ca-cv")[before:]
    assert [(e.status, e.nonce) for e in latest] == [(GRANTED, None), (REJECTED, None)]
    assert latest[1].serial is None and latest[1].imprint is None


def test_the_log_is_read_by_authority_url_and_unknown_names_are_refused(
        testbed: Testbed) -> None:
    assert testbed.timestamp_authority_of(testbed.urls("ca-public")["tsa"]) == "ca-public"
    assert testbed.timestamp_authority_of("http://127.0.0.1:1/kyso/tsa/ca-cv") is None
    with pytest.raises(InvalidInputError, match="root-cv"):
        testbed.timestamp_log("root-cv")  # a root runs no TSA


def _append_many(directory: str, writer: int) -> None:
    for index in range(ENTRIES_PER_WRITER):
        append_entry(Path(directory), TimestampLogEntry(
            time=datetime(2026, 11, 22, 2, 0, tzinfo=UTC), tsa=f"writer-{writer}",
            status=GRANTED, hash_algorithm="sha256", imprint=bytes([writer]) * 32,
            serial=(1 << 150) + index, nonce=(writer << 100) + index))


def test_appends_from_several_processes_are_whole_lines(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(tmp_path), writer))
               for writer in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    entries = read_entries(tmp_path)
    assert len(entries) == WRITERS * ENTRIES_PER_WRITER
    for writer in range(WRITERS):
        mine = [e for e in entries if e.tsa == f"writer-{writer}"]
        # each writer's entries arrive whole and in its own order; big serials survive JSON
        assert [e.serial for e in mine] == [(1 << 150) + i for i in range(ENTRIES_PER_WRITER)]
        assert all(e.imprint == bytes([writer]) * 32 for e in mine)


def test_a_broken_line_is_named_with_file_and_line(tmp_path: Path) -> None:
    assert read_entries(tmp_path) == []
    append_entry(tmp_path, TimestampLogEntry(
        time=datetime(2026, 11, 22, tzinfo=UTC), tsa="ca-cv", status=GRANTED,
        hash_algorithm="sha256", imprint=b"\x01" * 32, serial=5, nonce=None))
    with (tmp_path / TSA_LOG_FILE).open("a", encoding="utf-8") as log:
        log.write('{"time": "yesterday"}\n')
    with pytest.raises(ServiceError, match=rf"{TSA_LOG_FILE}: line 2: not a TSA log entry"):
        read_entries(tmp_path)
