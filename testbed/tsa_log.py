"""The testbed TSA's request log: every timestamp request it answered, one JSON line each.

A signer that claims to have timestamped a signature at "the TSA the case named" is not believed
on the token alone: a token can be copied from elsewhere, made by another TSA, or over other
data. The testbed's TSA therefore writes down what it answered (when, as which authority, the
message imprint it was asked to stamp, the serial number and nonce of the token it issued), and
a judge can look a token up in the log of the TSA that should have issued it (TT15-5.1.e,
ND68-29.4 for công vụ: the TSA the công vụ CA publishes).

The log is ``tsa-log.jsonl`` in the testbed directory, append-only. Services and the programs
that read the log may live in different processes (``kyso up``, a SUT in a sandbox, a pytest
worker), so every append is one ``write`` of one whole line on a file opened ``O_APPEND``, under
an exclusive ``flock``; readers take a shared lock. The file holds no secret (imprints are
digests of signature values, serials and nonces are public in the tokens themselves).

The log is capped, because requests are cheap to send and a flood of garbage must not fill the
disk. Every line is short (the TSA refuses odd imprint lengths and long nonces, and a refusal
records no request bytes). A refusal is recorded only while the log is under
:data:`REJECTION_LOG_LIMIT_BYTES`. Granted entries are the evidence judges look tokens up in,
so none is ever dropped; instead, once the log reaches :data:`LOG_LIMIT_BYTES` the TSA issues
no more tokens (``systemFailure``: a token it could not record is one a judge would call
forged). Each granted entry costs the TSA a signature, so that limit is far away in any run.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import say

from .errors import ServiceError

TSA_LOG_FILE = "tsa-log.jsonl"
"""The log's name inside the testbed directory."""

GRANTED = "granted"
REJECTED = "rejection"
REJECTION_LOG_LIMIT_BYTES = 4 * 1024 * 1024
"""Refusals are recorded while the log is smaller than this (about 20,000 of them)."""
LOG_LIMIT_BYTES = 64 * 1024 * 1024
"""At this size the TSA grants nothing more (about 250,000 tokens; a run asks for hundreds)."""


@dataclass(frozen=True)
class TimestampLogEntry:
    """One request the TSA answered. ``serial`` and ``imprint`` are None for a request it
    rejected before issuing a token (e.g. an unparsable request)."""

    time: datetime
    """The testbed instant the TSA answered at (the token's genTime for a granted request)."""
    tsa: str
    """The authority whose TSA answered (e.g. ``ca-cv``)."""
    status: str
    """``granted`` or ``rejection`` (RFC 3161 PKIStatus)."""
    hash_algorithm: str | None
    """The message imprint's hash algorithm (asn1crypto name, e.g. ``sha256``)."""
    imprint: bytes | None
    """The message imprint's hashed message."""
    serial: int | None
    """The serial number of the token issued (TSTInfo serialNumber)."""
    nonce: int | None
    """The request's nonce, if it carried one."""
    fail_info: str | None = None
    """Why a refused request was refused (RFC 3161 PKIFailureInfo, asn1crypto's name)."""
    line: str = field(default="", compare=False)
    """The JSON line as stored (the evidence a judge saves)."""

    def to_json(self) -> dict[str, Any]:
        # serials and nonces are up to 160 bits: decimal strings, so no JSON reader rounds them
        return {
            "time": self.time.isoformat(),
            "tsa": self.tsa,
            "status": self.status,
            "hash_algorithm": self.hash_algorithm,
            "imprint": self.imprint.hex() if self.imprint is not None else None,
            "serial": str(self.serial) if self.serial is not None else None,
            "nonce": str(self.nonce) if self.nonce is not None else None,
            "fail_info": self.fail_info,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], line: str = "") -> TimestampLogEntry:
        """Raises KeyError, TypeError or ValueError for something that is not an entry."""
        imprint, serial, nonce = data["imprint"], data["serial"], data["nonce"]
        return cls(
            time=datetime.fromisoformat(data["time"]), tsa=str(data["tsa"]),
            status=str(data["status"]), hash_algorithm=data["hash_algorithm"],
            imprint=bytes.fromhex(imprint) if imprint is not None else None,
            serial=int(serial) if serial is not None else None,
            nonce=int(nonce) if nonce is not None else None,
            fail_info=data.get("fail_info"), line=line)

    def matches(self, serial: int, hash_algorithm: str, imprint: bytes) -> bool:
        """Whether this entry records the issue of the token with this serial over this
        imprint."""
        return (self.status == GRANTED and self.serial == serial
                and self.hash_algorithm == hash_algorithm and self.imprint == imprint)


def log_path(directory: Path) -> Path:
    return Path(directory) / TSA_LOG_FILE


def log_full(directory: Path) -> bool:
    """Whether the log reached :data:`LOG_LIMIT_BYTES` (the TSA then grants nothing)."""
    try:
        return log_path(directory).stat().st_size >= LOG_LIMIT_BYTES
    except FileNotFoundError:
        return False


def append_entry(directory: Path, entry: TimestampLogEntry) -> bool:
    """Append ``entry`` as one line, atomically with respect to other writers and readers;
    a refusal only while the log is under :data:`REJECTION_LOG_LIMIT_BYTES`. Whether the
    entry was written."""
    line = (json.dumps(entry.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n")
    data = line.encode("utf-8")
    descriptor = os.open(log_path(directory), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            if entry.status != GRANTED \
                    and os.fstat(descriptor).st_size >= REJECTION_LOG_LIMIT_BYTES:
                return False
            written = os.write(descriptor, data)
            if written != len(data):  # a full disk: never leave half a line behind
                raise OSError(say(f"ghi thiếu vào {log_path(directory)}",
                                  f"short write to {log_path(directory)}"))
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
    return True


def read_entries(directory: Path, tsa: str | None = None) -> list[TimestampLogEntry]:
    """Every entry of the log, oldest first (only those of ``tsa`` when given); an empty list
    when no request was answered yet. A line that is not an entry is a :class:`ServiceError`
    naming the file and line: the log is the testbed's own, it must not be guessed at."""
    path = log_path(directory)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return []
    with handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            raw = handle.read()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    entries = []
    for number, text in enumerate(raw.decode("utf-8", errors="replace").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            entry = TimestampLogEntry.from_json(json.loads(text), line=text)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ServiceError(say(f"{path}: dòng {number}: không phải một mục nhật ký TSA",
                                   f"{path}: line {number}: not a TSA log entry")) from None
        if tsa is None or entry.tsa == tsa:
            entries.append(entry)
    return entries
