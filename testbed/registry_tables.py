"""The registry's certificates and subscribers as dictionaries that read rows on demand.

:class:`~testbed.world.WorldState` keeps its public shape (``state.certificates[label]``,
``state.subscribers.get(id)``, iteration), so every operation written against the old JSON
registry still works. What changes is the cost: looking one record up reads one row; only code
that iterates (a listing, the JSON export) reads them all. On save, a record is written back only
when its JSON differs from what was read, so a revoke in a 100,000-certificate CA writes one row.

Pydantic serialises a ``dict`` subclass through the C API, seeing only the rows read so far:
call :meth:`LazyTable.materialise` before dumping a whole state (:mod:`testbed.registry_store`
does).
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

Record = TypeVar("Record", bound=BaseModel)


class LazyTable(dict[str, Record], Generic[Record]):
    """A dict of pydantic records backed by database rows, read one by one or all at once."""

    def __init__(self, model: type[Record], fetch_one: Callable[[str], str | None],
                 fetch_all: Callable[[], Iterator[tuple[str, str]]]) -> None:
        super().__init__()
        self._model = model
        self._fetch_one = fetch_one
        self._fetch_all = fetch_all
        self._complete = False
        self._absent: set[str] = set()
        self.read_json: dict[str, str] = {}
        """Each record's JSON as read from the database: unchanged records are not written."""
        self.removed: set[str] = set()

    # ---- one row ------------------------------------------------------------------------------
    def _load(self, key: str) -> bool:
        if dict.__contains__(self, key):
            return True
        if self._complete or key in self._absent or key in self.removed:
            return False
        text = self._fetch_one(key)
        if text is None:
            self._absent.add(key)
            return False
        dict.__setitem__(self, key, self._model.model_validate_json(text))
        self.read_json[key] = text
        return True

    def __getitem__(self, key: str) -> Record:
        if not self._load(key):
            raise KeyError(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.__getitem__(self, key) if self._load(key) else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._load(key)

    def __setitem__(self, key: str, value: Record) -> None:
        self._absent.discard(key)
        self.removed.discard(key)
        dict.__setitem__(self, key, value)

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if not self._load(key):
            self[key] = default
        return dict.__getitem__(self, key)

    def __delitem__(self, key: str) -> None:
        if not self._load(key):
            raise KeyError(key)
        dict.__delitem__(self, key)
        self.removed.add(key)

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        if not self._load(key):
            if default:
                return default[0]
            raise KeyError(key)
        value = dict.pop(self, key)
        self.removed.add(key)
        return value

    # ---- every row ----------------------------------------------------------------------------
    def materialise(self) -> LazyTable[Record]:
        """Read every row not read yet (records already read, maybe changed, are kept)."""
        if not self._complete:
            for key, text in self._fetch_all():
                if key in self.removed or dict.__contains__(self, key):
                    continue
                dict.__setitem__(self, key, self._model.model_validate_json(text))
                self.read_json[key] = text
            self._complete = True
        return self

    def __iter__(self) -> Iterator[str]:
        return dict.__iter__(self.materialise())

    def __len__(self) -> int:
        return dict.__len__(self.materialise())

    def __bool__(self) -> bool:
        return dict.__len__(self.materialise()) > 0

    def keys(self) -> KeysView[str]:
        return dict.keys(self.materialise())

    def values(self) -> ValuesView[Record]:
        return dict.values(self.materialise())

    def items(self) -> ItemsView[str, Record]:
        return dict.items(self.materialise())

    def copy(self) -> dict[str, Record]:
        return dict(dict.items(self.materialise()))

    def __eq__(self, other: object) -> bool:
        return dict.__eq__(self.materialise(), other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyTable({dict.__len__(self)} read, complete={self._complete})"

    # ---- what to write back -------------------------------------------------------------------
    def changed(self) -> Iterator[tuple[str, Record, str]]:
        """(key, record, JSON) of every record new or different from what was read."""
        for key, record in dict.items(self):
            text = record.model_dump_json()
            if self.read_json.get(key) != text:
                yield key, record, text

    def saved(self, written: dict[str, str]) -> None:
        """After a save: what is in the database now is what we hold."""
        self.read_json.update(written)
        self._absent.difference_update(written)
        self.removed.clear()
