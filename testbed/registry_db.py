"""The testbed registry's database: one SQLite file (WAL) in the testbed directory.

One JSON file rewritten whole on every change stopped scaling: one revoke in a 100,000-certificate
CA rewrote 88.6 MB (5.4 s). Here every certificate and every subscriber is one row, written only
when it changes; the small rest of the state (authorities, clock, services, tokens, CRL
publications) is one JSON document in ``meta``. WAL mode lets the running services read while
another process (``kyso ca revoke``) writes; writers still take the registry's file lock
(:meth:`testbed.world.WorldStore.locked`), so read-modify-write stays one transaction.

Rows keep the record's JSON (the pydantic model, as ``registry.json`` always held it) plus the
columns the services query: the serial (fixed-width hex, since serials exceed SQLite's 64-bit
integers), the issuer, the role and the revocation (for CRLs without reading every record).
Certificates issued in bulk (:mod:`testbed.ca.population`) also keep their DER here instead of a
file each. A CA's revocation history from before the story (:mod:`testbed.ca.revocation_history`)
is one more table: serial, date and reason only, no certificate.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

DATABASE_FILE = "registry.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS certificates (
    label TEXT PRIMARY KEY,
    serial TEXT NOT NULL,
    issuer TEXT NOT NULL,
    role TEXT NOT NULL,
    revoked_at REAL,
    reason TEXT,
    invalidity_at REAL,
    record TEXT NOT NULL,
    der BLOB
);
CREATE INDEX IF NOT EXISTS certificates_by_serial ON certificates (serial);
CREATE INDEX IF NOT EXISTS certificates_revoked ON certificates (issuer, revoked_at)
    WHERE revoked_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS subscribers (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revocation_history (
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    revoked_at REAL NOT NULL,
    reason TEXT NOT NULL,
    invalidity_at REAL,
    PRIMARY KEY (issuer, serial)
) WITHOUT ROWID;
"""


def serial_key(serial: int) -> str:
    """A serial as the database stores it: 40 hex digits (RFC 5280 allows up to 20 octets)."""
    return format(serial, "040x")


@dataclass(frozen=True)
class CertificateRow:
    """One certificate as written to the database."""

    label: str
    serial: int
    issuer: str
    role: str
    revoked_at: datetime | None
    reason: str | None
    invalidity_at: datetime | None
    record: str
    der: bytes | None = None

    def values(self) -> tuple[object, ...]:
        return (self.label, serial_key(self.serial), self.issuer, self.role,
                _epoch(self.revoked_at), self.reason, _epoch(self.invalidity_at), self.record,
                self.der)


class RevokedRow(NamedTuple):
    """What a CRL entry needs: serial, revocation instant, reason, invalidity date. A named
    tuple, not a dataclass: hashed and compared in C, it keys the CRL entry cache
    (:class:`testbed.ca.crls.CrlEntryCache`) of 100,000 rows at a fifth of the cost."""

    serial: int
    revoked_at: float
    reason: str
    invalidity_at: float | None


def _epoch(instant: datetime | None) -> float | None:
    return None if instant is None else instant.timestamp()


class RegistryDatabase:
    """The SQLite file of one testbed directory; one connection per thread."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / DATABASE_FILE
        self._local = threading.local()

    def exists(self) -> bool:
        return self.path.exists()

    def connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # ---- meta ------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def revision(self) -> int:
        """The registry's revision (0 when empty): the services' cheap change detection."""
        value = self.meta("revision")
        return 0 if value is None else int(value)

    def crl_version(self) -> int:
        """Bumped with every change to a revocation: CRLs are cached until it moves."""
        value = self.meta("crl_version")
        return 0 if value is None else int(value)

    # ---- reads ------------------------------------------------------------------------------
    def certificate_record(self, label: str) -> str | None:
        row = self.connection().execute(
            "SELECT record FROM certificates WHERE label = ?", (label,)).fetchone()
        return None if row is None else str(row[0])

    def certificate_records(self) -> Iterator[tuple[str, str]]:
        yield from self.connection().execute(
            "SELECT label, record FROM certificates ORDER BY rowid")

    def label_of_serial(self, serial: int) -> str | None:
        row = self.connection().execute(
            "SELECT label FROM certificates WHERE serial = ? ORDER BY rowid LIMIT 1",
            (serial_key(serial),)).fetchone()
        return None if row is None else str(row[0])

    def issued_record(self, issuer: str, serial: int, exclude: str) -> str | None:
        """The record of the certificate ``serial`` of ``issuer`` (not the label ``exclude``,
        the issuer's own certificate when self-signed)."""
        row = self.connection().execute(
            "SELECT record FROM certificates WHERE serial = ? AND issuer = ? AND label != ?",
            (serial_key(serial), issuer, exclude)).fetchone()
        return None if row is None else str(row[0])

    def revoked(self, issuer: str, exclude: str) -> list[RevokedRow]:
        """Every revoked certificate of ``issuer`` (but ``exclude``), by serial: the registry's
        certificates and the CA's revocation history."""
        rows = self.connection().execute(
            "SELECT serial, revoked_at, reason, invalidity_at FROM certificates "
            "WHERE issuer = ? AND revoked_at IS NOT NULL AND label != ? "
            "UNION ALL SELECT serial, revoked_at, reason, invalidity_at "
            "FROM revocation_history WHERE issuer = ? ORDER BY serial",
            (issuer, exclude, issuer))
        return [RevokedRow(int(serial, 16), revoked_at, reason, invalidity)
                for serial, revoked_at, reason, invalidity in rows]

    def history_revocation(self, issuer: str, serial: int) -> RevokedRow | None:
        """The revocation of ``serial`` in ``issuer``'s history (None: not in it), for OCSP."""
        row = self.connection().execute(
            "SELECT revoked_at, reason, invalidity_at FROM revocation_history "
            "WHERE issuer = ? AND serial = ?", (issuer, serial_key(serial))).fetchone()
        return None if row is None else RevokedRow(serial, row[0], row[1], row[2])

    def history_size(self, issuer: str) -> int:
        """How many revocations ``issuer``'s history holds."""
        return int(self.connection().execute(
            "SELECT count(*) FROM revocation_history WHERE issuer = ?", (issuer,)).fetchone()[0])

    def certificate_der(self, label: str) -> bytes | None:
        row = self.connection().execute(
            "SELECT der FROM certificates WHERE label = ?", (label,)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    def subscriber_record(self, subscriber_id: str) -> str | None:
        row = self.connection().execute(
            "SELECT record FROM subscribers WHERE id = ?", (subscriber_id,)).fetchone()
        return None if row is None else str(row[0])

    def subscriber_records(self) -> Iterator[tuple[str, str]]:
        yield from self.connection().execute("SELECT id, record FROM subscribers ORDER BY rowid")

    def has_more_certificates_than(self, limit: int) -> bool:
        """Whether there are more than ``limit`` certificates (reads at most ``limit + 1`` rows:
        a count of 100,000 rows costs 5 ms, more than the revoke that asks)."""
        row = self.connection().execute(
            "SELECT count(*) FROM (SELECT 1 FROM certificates LIMIT ?)", (limit + 1,)).fetchone()
        return int(row[0]) > limit

    def subscriber_ids_like(self, prefix: str) -> int:
        """How many subscriber ids start with ``prefix`` (bulk numbering continues after)."""
        pattern = prefix.replace("_", r"\_").replace("%", r"\%") + "%"
        return int(self.connection().execute(
            r"SELECT count(*) FROM subscribers WHERE id LIKE ? ESCAPE '\'",
            (pattern,)).fetchone()[0])

    # ---- writes -----------------------------------------------------------------------------
    def write(self, *, core: str | None, revision: int | None, revocations_changed: bool,
              certificates: Iterable[CertificateRow] = (),
              subscribers: Iterable[tuple[str, str]] = (),
              removed_certificates: Iterable[str] = (),
              removed_subscribers: Iterable[str] = ()) -> None:
        """One atomic transaction: rows upserted or removed, the core state and revision."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                "INSERT INTO certificates (label, serial, issuer, role, revoked_at, reason, "
                "invalidity_at, record, der) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (label) DO UPDATE SET serial = excluded.serial, "
                "issuer = excluded.issuer, role = excluded.role, "
                "revoked_at = excluded.revoked_at, reason = excluded.reason, "
                "invalidity_at = excluded.invalidity_at, record = excluded.record, "
                "der = coalesce(excluded.der, certificates.der)",
                (row.values() for row in certificates))
            connection.executemany(
                "INSERT INTO subscribers (id, record) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET record = excluded.record", subscribers)
            connection.executemany("DELETE FROM certificates WHERE label = ?",
                                   ((label,) for label in removed_certificates))
            connection.executemany("DELETE FROM subscribers WHERE id = ?",
                                   ((key,) for key in removed_subscribers))
            self._write_meta(core, revision, revocations_changed)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def write_history(self, issuer: str, rows: Iterable[RevokedRow], *, core: str,
                      revision: int) -> None:
        """Add revocations to ``issuer``'s history in one transaction (a serial already there
        keeps its first revocation), with the core state and revision; CRLs are rebuilt."""
        connection = self.connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                "INSERT INTO revocation_history (issuer, serial, revoked_at, reason, "
                "invalidity_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (issuer, serial) DO NOTHING",
                ((issuer, serial_key(row.serial), row.revoked_at, row.reason, row.invalidity_at)
                 for row in rows))
            self._write_meta(core, revision, revocations_changed=True)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def _write_meta(self, core: str | None, revision: int | None,
                    revocations_changed: bool) -> None:
        """The core state, the revision and the CRL version, inside the caller's transaction."""
        meta = [("schema", str(SCHEMA_VERSION))]
        if core is not None:
            meta.append(("core", core))
        if revision is not None:
            meta.append(("revision", str(revision)))
        if revocations_changed:
            meta.append(("crl_version", str(self.crl_version() + 1)))
        self.connection().executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", meta)
