"""Where a testbed's :class:`~testbed.world.WorldState` lives: load, change under a lock, export.

The truth is the SQLite file (:mod:`testbed.registry_db`); a loaded state reads its certificates
and subscribers row by row on demand (:mod:`testbed.registry_tables`) and a save writes only what
changed, so one revoke costs the same with 20 certificates or 100,000.

``registry.json``, the registry's only file before, stays as an export for people: while the
testbed is small (up to :data:`EXPORT_EVERY_CHANGE_LIMIT` certificates, every conformance
scenario's testbed) it is rewritten after every change, as before, which costs about a
millisecond and keeps every reader of the file working. Above that size rewriting it would be
the very cost this store removes (88.6 MB per change at 100,000 certificates), so a change removes
it instead (a stale export is worse than none) and ``kyso ca export`` or ``kyso down`` write it.
A directory holding only a ``registry.json`` (a testbed from before) is imported once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bilingual import say

from .errors import InvalidInputError
from .registry_db import CertificateRow, RegistryDatabase, RevokedRow
from .registry_tables import LazyTable
from .world import REGISTRY_FILE, CertificateRecord, Subscriber, WorldState

EXPORT_EVERY_CHANGE_LIMIT = 2000
"""Up to this many certificates, ``registry.json`` is rewritten after every change."""


def registry_exists(directory: Path) -> bool:
    """Whether ``directory`` holds a testbed (its database, or a registry from before)."""
    return WorldStore(directory).exists()


class CertificateTable(LazyTable[CertificateRecord]):
    """The certificates, with the database's serial index for lookups by serial."""

    def __init__(self, database: RegistryDatabase) -> None:
        super().__init__(CertificateRecord, database.certificate_record,
                         database.certificate_records)
        self._database = database

    def label_of_serial(self, serial: int) -> str | None:
        for label, record in dict.items(self):  # read (or issued) in this transaction
            if record.serial == serial:
                return label
        return self._database.label_of_serial(serial)


class IssuedByAuthority:
    """The certificates one authority issued, read from the registry by serial when the OCSP
    responder asks (never all of them: a CA may have issued hundreds of thousands)."""

    def __init__(self, database: RegistryDatabase, authority: str, own_label: str) -> None:
        self._database = database
        self._authority = authority
        self._own_label = own_label
        self._read: dict[int, CertificateRecord | None] = {}

    def get(self, serial: int) -> CertificateRecord | None:
        if serial not in self._read:
            text = self._database.issued_record(self._authority, serial, self._own_label)
            self._read[serial] = (None if text is None
                                  else CertificateRecord.model_validate_json(text))
        return self._read[serial]

    def history(self, serial: int) -> RevokedRow | None:
        """The revocation of ``serial`` in the CA's history (no certificate in the registry)."""
        return self._database.history_revocation(self._authority, serial)


def certificate_row(record: CertificateRecord, text: str, der: bytes | None = None
                    ) -> CertificateRow:
    revocation = record.revocation
    return CertificateRow(
        label=record.label, serial=record.serial, issuer=record.issuer, role=record.role.value,
        revoked_at=revocation.revoked_at if revocation else None,
        reason=revocation.reason.value if revocation else None,
        invalidity_at=revocation.invalidity_date if revocation else None,
        record=text, der=der)


def _core_json(state: WorldState) -> str:
    return state.model_dump_json(exclude={"certificates", "subscribers"})


class WorldStore:
    """The testbed directory's registry: load, and change under an exclusive lock."""

    def __init__(self, directory: Path) -> None:
        if directory.exists() and not directory.is_dir():  # ``--dir`` naming a file
            raise InvalidInputError(say(
                f"{directory}: không phải thư mục của một testbed (là một tệp)",
                f"{directory}: not a testbed directory (it is a file)"))
        self.directory = directory
        self.path = directory / REGISTRY_FILE
        self.database = RegistryDatabase(directory)
        self._lock_path = directory / ".registry.lock"

    def exists(self) -> bool:
        return self.database.exists() or self.path.exists()

    # ---- load ------------------------------------------------------------------------------
    def load(self) -> WorldState:
        """The state, its certificates and subscribers read on demand."""
        if not self.database.exists():
            if not self.path.exists():  # nothing here: create nothing either
                raise self._no_testbed()
            self._import_json()
        core = self.database.meta("core")
        if core is None:
            raise self._no_testbed()
        state = WorldState.model_validate_json(core)
        database = self.database
        state.certificates = CertificateTable(database)
        state.subscribers = LazyTable(Subscriber, database.subscriber_record,
                                      database.subscriber_records)
        return state

    def load_complete(self) -> WorldState:
        """The state with every certificate and subscriber read (for an export)."""
        state = self.load()
        _tables(state)[0].materialise()
        _tables(state)[1].materialise()
        return state

    def _no_testbed(self) -> InvalidInputError:
        return InvalidInputError(say(
            f"{self.directory}: ở đây chưa có testbed (không có {REGISTRY_FILE}); tạo một "
            f"testbed bằng 'kyso up --dir {self.directory}'",
            f"{self.directory}: no testbed here (no {REGISTRY_FILE}); start one with "
            f"'kyso up --dir {self.directory}'"))

    def _import_json(self) -> None:
        """A testbed from before the database: import its ``registry.json`` once."""
        with self.locked():
            if self.database.exists():  # another process imported it meanwhile
                return
            try:
                raw = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise self._no_testbed() from None
            try:
                state = WorldState.model_validate(json.loads(raw))
            except (json.JSONDecodeError, ValidationError) as error:
                first = str(error).splitlines()
                detail = first[1].strip() if len(first) > 1 else first[0]
                raise InvalidInputError(say(
                    f"{self.path}: không phải tệp đăng ký testbed hợp lệ ({detail})",
                    f"{self.path}: not a valid testbed registry ({detail})")) from None
            self._write(state, export=False)

    def stamp(self) -> tuple[int, int]:
        """(revision, 0): cheap change detection for the services (one indexed read)."""
        if not self.database.exists():
            return (0, 0)
        return (self.database.revision(), 0)

    # ---- save ------------------------------------------------------------------------------
    def save(self, state: WorldState) -> None:
        """Write what changed in one database transaction; refresh or drop the export."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._write(state, export=True)

    def _write(self, state: WorldState, *, export: bool) -> None:
        certificates, subscribers = _tables(state)
        changed = list(certificates.changed())
        revocations_changed = any(
            _revocation_json(text) != _revocation_json(certificates.read_json.get(key))
            for key, _, text in changed)
        changed_subscribers = [(key, text) for key, _, text in subscribers.changed()]
        self.database.write(
            core=_core_json(state), revision=state.revision,
            revocations_changed=revocations_changed or bool(certificates.removed),
            certificates=[certificate_row(record, text) for _, record, text in changed],
            subscribers=changed_subscribers,
            removed_certificates=sorted(certificates.removed),
            removed_subscribers=sorted(subscribers.removed))
        certificates.saved({key: text for key, _, text in changed})
        subscribers.saved(dict(changed_subscribers))
        if export:
            self.refresh_export()

    def refresh_export(self) -> None:
        """Rewrite ``registry.json`` when the registry is small, else remove the stale one."""
        if not self.database.has_more_certificates_than(EXPORT_EVERY_CHANGE_LIMIT):
            self.export()
        else:
            self.path.unlink(missing_ok=True)

    def export(self, path: Path | None = None) -> Path:
        """Write the whole registry as JSON (``registry.json`` unless ``path``), atomically."""
        target = path or self.path
        state = self.load_complete()
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(state.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, target)
        return target

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive lock across processes for a read-modify-write of the registry."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _tables(state: WorldState) -> tuple[LazyTable[CertificateRecord], LazyTable[Subscriber]]:
    """The state's tables as lazy tables (a state built in memory is wrapped: all rows new)."""
    certificates, subscribers = state.certificates, state.subscribers
    if not isinstance(certificates, LazyTable):
        table: LazyTable[CertificateRecord] = LazyTable(
            CertificateRecord, lambda _: None, lambda: iter(()))
        table.materialise()
        for key, record in certificates.items():
            table[key] = record
        state.certificates = certificates = table
    if not isinstance(subscribers, LazyTable):
        people: LazyTable[Subscriber] = LazyTable(Subscriber, lambda _: None, lambda: iter(()))
        people.materialise()
        for key, subscriber in subscribers.items():
            people[key] = subscriber
        state.subscribers = subscribers = people
    return certificates, subscribers


def _revocation_json(text: str | None) -> object:
    if text is None:
        return None
    return json.loads(text).get("revocation")
