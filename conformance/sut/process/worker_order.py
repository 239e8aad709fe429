"""The python worker's order: one request as JSON, written by kyso and read by the worker.

Standard library only (and the requests of :mod:`scenarios`, dataclasses that need no
pydantic): the worker reads its order before it imports the vendor's code, once per call, in a
fresh interpreter under strace; building the request through pydantic (a ``TypeAdapter`` makes its
schema at run time) cost the worker pydantic's whole import and a schema build per call, even
for a vendor that never touches pydantic (issue 22). The requests are flat frozen dataclasses
of paths, strings, flags and one instant, so each field is written and read by the codec of
its annotation (:data:`_CODECS`); a field of a kind not listed there is kyso's bug, raised as
:class:`TypeError` when kyso writes the order (the tests write every field).

A round trip gives back an equal request: ``datetime.isoformat`` keeps the instant and its
offset, a path its text.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from scenarios import SignatureFormat, SignRequest, VerifyRequest

REQUEST_TYPES: dict[str, type[SignRequest] | type[VerifyRequest]] = {
    "sign": SignRequest, "verify": VerifyRequest}


def _refused(vietnamese: str, english: str) -> ValueError:
    """A malformed order (kyso's own bug), said in both languages; :mod:`bilingual` is
    imported only then, the worker's start stays light."""
    from bilingual import say

    return ValueError(say(vietnamese, english))


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _refused(f"cần một chuỗi, nhận được {type(value).__name__}",
                       f"expected a string, got {type(value).__name__}")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _refused(f"cần true hoặc false, nhận được {type(value).__name__}",
                       f"expected true or false, got {type(value).__name__}")
    return value


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(_text(value))


def _paths(value: Any) -> list[Path]:
    if not isinstance(value, list):
        raise _refused(f"cần một danh sách đường dẫn, nhận được {type(value).__name__}",
                       f"expected a list of paths, got {type(value).__name__}")
    return [Path(_text(item)) for item in value]


def _texts(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _refused(f"cần một đối tượng gồm các chuỗi, nhận được {type(value).__name__}",
                       f"expected an object of strings, got {type(value).__name__}")
    return {_text(key): _text(item) for key, item in value.items()}


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else read(value)


_CODECS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    # annotation (as written in scenarios.roles): (to JSON, from JSON)
    "Path": (str, lambda value: Path(_text(value))),
    "Path | None": (_optional(str), _optional(lambda value: Path(_text(value)))),
    "list[Path]": (lambda value: [str(item) for item in value], _paths),
    "str": (str, _text),
    "str | None": (_optional(str), _optional(_text)),
    "bool": (bool, _flag),
    "datetime": (datetime.isoformat, _instant),
    "dict[str, str]": (dict, _texts),
    "SignatureFormat": (str, lambda value: SignatureFormat(_text(value))),
}


def _codec(field: dataclasses.Field[Any]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    annotation = field.type if isinstance(field.type, str) else getattr(field.type, "__name__",
                                                                        repr(field.type))
    try:
        return _CODECS[annotation]
    except KeyError:
        from bilingual import say

        raise TypeError(say(f"lệnh cho worker: không có bộ mã hoá cho {field.name}: {annotation}",
                            f"worker order: no codec for {field.name}: {annotation}")) from None


def request_json(request: SignRequest | VerifyRequest) -> dict[str, Any]:
    """The request as a JSON object, every field by its annotation's codec."""
    return {field.name: _codec(field)[0](getattr(request, field.name))
            for field in dataclasses.fields(request)}


def request_of(method: str, data: Any) -> SignRequest | VerifyRequest:
    """The request a JSON object describes; ValueError / KeyError if it is malformed."""
    kind = REQUEST_TYPES[method]
    if not isinstance(data, dict):
        raise _refused(f"yêu cầu không phải một đối tượng mà là {type(data).__name__}",
                       f"the request is not an object but {type(data).__name__}")
    fields = {field.name: field for field in dataclasses.fields(kind)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _refused(f"yêu cầu có trường lạ {unknown}", f"unknown request fields {unknown}")
    values = {name: _codec(fields[name])[1](value) for name, value in data.items()}
    return kind(**values)  # a missing required field: TypeError


def order_json(entry_point: str, path: list[str], options: dict[str, Any], method: str,
               request: SignRequest | VerifyRequest) -> bytes:
    """The worker's stdin for one call (kyso's side of the protocol)."""
    return json.dumps({"entry_point": entry_point, "path": path, "options": options,
                       "method": method, "request": request_json(request)},
                      ensure_ascii=False).encode("utf-8")


def read_order(raw: bytes) -> tuple[dict[str, Any], SignRequest | VerifyRequest]:
    """The order and its request; ValueError / KeyError / TypeError if malformed."""
    order = json.loads(raw)
    if not isinstance(order, dict):
        raise _refused(f"lệnh không phải một đối tượng mà là {type(order).__name__}",
                       f"the order is not an object but {type(order).__name__}")
    return order, request_of(order["method"], order["request"])


__all__ = ["REQUEST_TYPES", "order_json", "read_order", "request_json", "request_of"]
