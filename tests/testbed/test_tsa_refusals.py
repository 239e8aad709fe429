"""The testbed's TSA refuses what RFC 3161 2.4.1 says a TSA must refuse, with the PKIStatusInfo
2.4.2 names, and writes each refusal down (briefly); its log is capped. openssl builds the
requests it can (``openssl ts -query``) and reads every answer (``openssl ts -reply -text``)."""

from __future__ import annotations

import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, core, tsp

from testbed import tsa_log
from testbed.services import TSA_POLICY
from testbed.session import Testbed
from testbed.tsa_log import GRANTED, REJECTED, TimestampLogEntry, append_entry, read_entries
from tests.helpers import fetch

_FAILURE_TEXT = {  # how openssl ts -reply -text names each PKIFailureInfo bit
    "bad_alg": "unrecognized or unsupported algorithm identifier",
    "bad_data_format": "the data submitted has the wrong format",
    "unaccepted_policy": "the requested TSA policy is not supported by the TSA",
    "unaccepted_extensions": "the requested extension is not supported by the TSA",
    "system_failure": "the request cannot be handled due to system failure",
}


class _Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's own model requires one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _request(algorithm: str = "sha256", imprint: bytes | None = None,
             **extra: Any) -> bytes:
    hashed = imprint if imprint is not None else hashlib.new(algorithm, b"kyso").digest()
    return tsp.TimeStampReq({
        "version": "v1", "cert_req": True,
        "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                            "hashed_message": hashed},
        **extra}).dump()


def _ask(testbed: Testbed, body: bytes, tmp_path: Path) -> tuple[tsp.PKIStatusInfo, str]:
    """The PKIStatusInfo of the TSA's answer, and openssl's reading of the whole answer."""
    answer = fetch(testbed.urls("ca-cv")["tsa"], body, "application/timestamp-query")
    reply = tmp_path / "reply.tsr"
    reply.write_bytes(answer)
    text = subprocess.run(["openssl", "ts", "-reply", "-in", str(reply), "-text"],
                          capture_output=True, text=True, errors="replace", timeout=30,
                          check=True).stdout
    return _Rejection.load(answer)["status"], text


def _assert_refused(status: tsp.PKIStatusInfo, text: str, fail_info: str) -> None:
    assert status["status"].native == REJECTED
    assert status["fail_info"].native == {fail_info}
    assert " / " in status["status_string"].native[0]  # Vietnamese / English
    assert "Status: Rejected." in text and _FAILURE_TEXT[fail_info] in text


def _openssl_query(tmp_path: Path, *options: str) -> bytes:
    data = tmp_path / "data.txt"
    data.write_text("Công văn số 7/CV\n", encoding="utf-8")
    query = tmp_path / "request.tsq"
    subprocess.run(["openssl", "ts", "-query", "-data", str(data), "-cert", *options, "-out",
                    str(query)], check=True, capture_output=True, timeout=30)
    return query.read_bytes()


@pytest.mark.parametrize(("options", "fail_info"), [
    (("-sha256", "-tspolicy", "1.2.3.4"), "unaccepted_policy"),
    (("-md5",), "bad_alg"),
])
def test_openssl_queries_the_tsa_must_refuse(testbed: Testbed, tmp_path: Path,
                                             options: tuple[str, ...], fail_info: str) -> None:
    _assert_refused(*_ask(testbed, _openssl_query(tmp_path, *options), tmp_path), fail_info)


@pytest.mark.parametrize("options", [("-sha256",), ("-sha512",), ("-sha256", "-tspolicy",
                                                                   TSA_POLICY)])
def test_openssl_queries_the_tsa_grants(testbed: Testbed, tmp_path: Path,
                                        options: tuple[str, ...]) -> None:
    status, text = _ask(testbed, _openssl_query(tmp_path, *options), tmp_path)
    assert status["status"].native == GRANTED and "Status: Granted." in text


@pytest.mark.parametrize(("fields", "fail_info"), [
    ({"extensions": [{"extn_id": "1.2.3.4.5", "critical": True, "extn_value": b"\x05\x00"}]},
     "unaccepted_extensions"),
    ({"extensions": [{"extn_id": "1.2.3.4.6", "critical": False, "extn_value": b"\x05\x00"}]},
     "unaccepted_extensions"),  # 2.4.1: "whether it is marked critical or not critical"
    ({"algorithm": "1.2.3.4", "imprint": b"\x01" * 32}, "bad_alg"),
    ({"imprint": b"abc"}, "bad_data_format"),  # 3 bytes labelled SHA-256
    ({"algorithm": "sha384", "imprint": b"\x01" * 32}, "bad_data_format"),
    ({"nonce": 1 << 300}, "bad_data_format"),
])
def test_crafted_requests_the_tsa_must_refuse(testbed: Testbed, tmp_path: Path,
                                              fields: dict[str, Any], fail_info: str) -> None:
    _assert_refused(*_ask(testbed, _request(**fields), tmp_path), fail_info)


@pytest.mark.parametrize("algorithm", ["sha1", "sha384", "sha3_256"])
def test_other_known_hashes_of_the_right_length_are_granted(testbed: Testbed, tmp_path: Path,
                                                            algorithm: str) -> None:
    # SHA-1 too: the suite's SHA-1 signer must get its token, the verifier is what is judged
    status, _ = _ask(testbed, _request(algorithm), tmp_path)
    assert status["status"].native == GRANTED


def test_a_refusal_is_logged_with_why_and_no_request_bytes(testbed: Testbed,
                                                           tmp_path: Path) -> None:
    _ask(testbed, _request(imprint=b"abc", nonce=424242), tmp_path)
    entry = [e for e in testbed.timestamp_log("ca-cv") if e.nonce == 424242][-1]
    assert (entry.status, entry.fail_info) == (REJECTED, "bad_data_format")
    assert entry.imprint is None and entry.hash_algorithm is None and entry.serial is None


def test_a_full_log_makes_the_tsa_refuse_with_system_failure(
        testbed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ask(testbed, _request(), tmp_path)  # the log is not empty
    monkeypatch.setattr(tsa_log, "LOG_LIMIT_BYTES", 1)
    before = len(testbed.timestamp_log("ca-cv"))
    _assert_refused(*_ask(testbed, _request(), tmp_path), "system_failure")
    assert [e.fail_info for e in testbed.timestamp_log("ca-cv")[before:]] == ["system_failure"]
    monkeypatch.undo()
    assert _ask(testbed, _request(), tmp_path)[0]["status"].native == GRANTED


def _entry(status: str, serial: int | None) -> TimestampLogEntry:
    return TimestampLogEntry(time=datetime(2026, 12, 7, tzinfo=UTC), tsa="ca-cv", status=status,
                             hash_algorithm=None, imprint=None, serial=serial, nonce=None,
                             fail_info="bad_alg" if status == REJECTED else None)


def test_refusals_stop_being_logged_at_the_cap_grants_never(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tsa_log, "REJECTION_LOG_LIMIT_BYTES", 1000)
    written = [append_entry(tmp_path, _entry(REJECTED, None)) for _ in range(50)]
    kept = written.count(True)
    assert 0 < kept < 50 and written == [True] * kept + [False] * (50 - kept)
    assert tsa_log.log_path(tmp_path).stat().st_size < 1000 + 200
    assert append_entry(tmp_path, _entry(GRANTED, 7))  # the evidence is always written
    entries = read_entries(tmp_path)
    assert [e.status for e in entries] == [REJECTED] * kept + [GRANTED]
    assert entries[0].fail_info == "bad_alg" and entries[-1].fail_info is None
