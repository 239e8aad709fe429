"""Reply selectors: a small JSONPath-like language to find a value in a service's answer.

A service profile says where the result code, the message, the signed file or the list of
signatures are in a reply, e.g. ``$.data.signedData | base64`` or ``$.data.signatures[*]``::

    selector := "$" segment* ( "|" decoder )*
    segment  := "." name | "[" integer "]" | "[" '"' text '"' "]" | "[*]"
    name     := letter or "_", then letters, digits, "_" or "-"
    decoder  := base64 | json | base64-json | text | int

``[*]`` takes every element of a list (the rest of the path is applied to each, the result is a
list); it is allowed only where the profile expects a list. Decoders apply left to right to the
value found: ``base64`` (text → bytes), ``json`` (text or bytes → value), ``base64-json`` (both),
``text`` (bytes → UTF-8 text), ``int`` (a number or its text → integer).

A selector is parsed once (:func:`parse_selector`, cached; syntax errors are
:class:`SelectorSyntaxError`, reported at profile load with the field's path) and evaluated
many times (:meth:`Selector.evaluate`). At run time a selector that finds nothing raises
:class:`SelectorMiss` saying where it stopped and what was there ("selector $.data.x matched
nothing; keys here: code, message, data"); a decoder that cannot decode raises
:class:`SelectorDecodeError`. Both are the service's fault: ERROR ``invalid-answer``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bilingual import say

DECODERS = ("base64", "json", "base64-json", "text", "int")
WILDCARD = "*"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDEX = re.compile(r"\[(-?\d+)\]")
_QUOTED = re.compile(r'\["((?:[^"\\]|\\.)*)"\]')


class SelectorSyntaxError(ValueError):
    """The selector text is not valid (the message says where and why)."""


class SelectorMiss(LookupError):  # noqa: N818 (what happened: the selector missed)
    """The selector found nothing in a reply."""


class SelectorDecodeError(ValueError):
    """A decoder could not decode the value found."""


Segment = str | int
"""A key (str), an index (int) or the wildcard ``"*"`` (as the only string meaning that: keys
given as ``["*"]`` are stored as :class:`QuotedKey`)."""


class QuotedKey(str):
    """A key written ``["..."]`` (so a key literally named ``*`` is not the wildcard)."""


@dataclass(frozen=True)
class Selector:
    """A parsed selector: the path from the root and the decoders applied to the value."""

    text: str
    segments: tuple[Segment, ...]
    decoders: tuple[str, ...]

    @property
    def has_wildcard(self) -> bool:
        return any(_is_wildcard(segment) for segment in self.segments)

    def evaluate(self, document: Any) -> Any:
        """The value found (decoded); :class:`SelectorMiss` / :class:`SelectorDecodeError`."""
        value = _walk(self, document, self.segments, "$")
        return _decode_all(self, value) if not self.has_wildcard else \
            [_decode_all(self, item) for item in value]

    def __str__(self) -> str:
        return self.text


def _is_wildcard(segment: Segment) -> bool:
    return segment == WILDCARD and not isinstance(segment, QuotedKey)


@lru_cache(maxsize=1024)
def parse_selector(text: str) -> Selector:
    """Parse ``text``; :class:`SelectorSyntaxError` names the position and the problem."""
    if not isinstance(text, str):
        raise SelectorSyntaxError(say("bộ chọn là một chuỗi, ví dụ '$.data.code'",
                                      "a selector is a string such as '$.data.code'"))
    path_text, *decoder_texts = _split_pipes(text)
    path = path_text.strip()
    if not path.startswith("$"):
        raise SelectorSyntaxError(say(f"bộ chọn sai {text!r}: phải bắt đầu bằng '$'",
                                      f"bad selector {text!r}: it must start with '$'"))
    segments: list[Segment] = []
    position = 1
    while position < len(path):
        rest = path[position:]
        if rest.startswith("."):
            match = _NAME.match(path, position + 1)
            if match is None:
                raise SelectorSyntaxError(say(
                    f"bộ chọn sai {text!r}: sau '.' ở vị trí {position} cần một tên (chữ cái, "
                    "chữ số, '_' hoặc '-'; dùng [\"...\"] cho các tên trường khác)",
                    f"bad selector {text!r}: after '.' at position {position} a name is "
                    "expected (letters, digits, '_' or '-'; use [\"...\"] for other keys)"))
            segments.append(match.group(0))
            position = match.end()
        elif rest.startswith("[*]"):
            segments.append(WILDCARD)
            position += 3
        elif (match := _INDEX.match(path, position)) is not None:
            segments.append(int(match.group(1)))
            position = match.end()
        elif (match := _QUOTED.match(path, position)) is not None:
            segments.append(QuotedKey(json.loads(f'"{match.group(1)}"')))
            position = match.end()
        else:
            raise SelectorSyntaxError(say(
                f"bộ chọn sai {text!r}: {rest[:10]!r} không đúng chỗ ở vị trí {position} "
                "(cần .name, [3], [\"name\"] hoặc [*])",
                f"bad selector {text!r}: unexpected {rest[:10]!r} at position {position} "
                "(expected .name, [3], [\"name\"] or [*])"))
    if sum(1 for segment in segments if _is_wildcard(segment)) > 1:
        raise SelectorSyntaxError(say(f"bộ chọn sai {text!r}: nhiều nhất một [*]",
                                      f"bad selector {text!r}: at most one [*]"))
    decoders = []
    for decoder in decoder_texts:
        name = decoder.strip()
        if name not in DECODERS:
            known = ", ".join(DECODERS)
            raise SelectorSyntaxError(say(
                f"bộ chọn sai {text!r}: bộ giải mã {name!r} không xác định (các bộ: {known})",
                f"bad selector {text!r}: unknown decoder {name!r} (known: {known})"))
        decoders.append(name)
    return Selector(text=text.strip(), segments=tuple(segments), decoders=tuple(decoders))


def _split_pipes(text: str) -> list[str]:
    """``text`` cut at every ``|`` that is not inside a quoted key."""
    parts, current, quoted, escaped = [], "", False, False
    for character in text:
        if quoted:
            quoted = escaped or character != '"'
            escaped = not escaped and character == "\\"
        elif character == '"':
            quoted = True
        elif character == "|":
            parts.append(current)
            current = ""
            continue
        current += character
    return [*parts, current]


def render_selector(segments: tuple[Segment, ...], decoders: tuple[str, ...] = ()) -> str:
    """The text of a selector (the inverse of :func:`parse_selector`, for tests and messages)."""
    text = "$"
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif _is_wildcard(segment):
            text += "[*]"
        elif _NAME.fullmatch(segment) and not isinstance(segment, QuotedKey):
            text += f".{segment}"
        else:
            text += "[" + json.dumps(str(segment), ensure_ascii=False) + "]"
    return text + "".join(f" | {decoder}" for decoder in decoders)


def describe(value: Any) -> str:
    """What is at a place where a selector stopped, for the error message."""
    return say(*_described(value))


def _described(value: Any) -> tuple[str, str]:
    """:func:`describe` in Vietnamese and in English."""
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(str(key) for key in keys[:20]) + (", ..." if len(keys) > 20 else "")
        if not keys:
            return "ở đây là một đối tượng rỗng", "an empty object here"
        return f"các trường ở đây: {shown}", f"keys here: {shown}"
    if isinstance(value, list):
        return (f"ở đây là một danh sách {len(value)} phần tử",
                f"a list of {len(value)} item(s) here")
    if value is None:
        return "ở đây là null", "null here"
    if isinstance(value, bool):
        return f"ở đây là {str(value).lower()}", f"{str(value).lower()} here"
    if isinstance(value, str | bytes):
        kind = ("văn bản", "text") if isinstance(value, str) else ("chuỗi byte", "byte string")
        return (f"ở đây là một {kind[0]} {len(value)} ký tự",
                f"a {kind[1]} of {len(value)} character(s) here")
    return f"ở đây là số {value}", f"the number {value} here"


def _walk(selector: Selector, value: Any, segments: tuple[Segment, ...], where: str) -> Any:
    for index, segment in enumerate(segments):
        if _is_wildcard(segment):
            if not isinstance(value, list):
                vietnamese, english = _described(value)
                raise SelectorMiss(say(
                    f"bộ chọn {selector} không khớp gì ({where} không phải danh sách); "
                    f"{vietnamese}",
                    f"selector {selector} matched nothing ({where} is not a list); {english}"))
            rest = segments[index + 1:]
            return [_walk(selector, item, rest, f"{where}[{number}]")
                    for number, item in enumerate(value)]
        if isinstance(segment, int):
            if not isinstance(value, list) or not -len(value) <= segment < len(value):
                vietnamese, english = _described(value)
                raise SelectorMiss(say(
                    f"bộ chọn {selector} không khớp gì (không có [{segment}] trong {where}); "
                    f"{vietnamese}",
                    f"selector {selector} matched nothing (no [{segment}] in {where}); "
                    f"{english}"))
            value = value[segment]
            where = f"{where}[{segment}]"
            continue
        if not isinstance(value, dict) or segment not in value:
            vietnamese, english = _described(value)
            key = _step_text(segment).lstrip(".")
            raise SelectorMiss(say(
                f"bộ chọn {selector} không khớp gì (không có {key} trong {where}); {vietnamese}",
                f"selector {selector} matched nothing (no {key} in {where}); {english}"))
        value = value[segment]
        where = f"{where}{_step_text(segment)}"
    return value


def _step_text(segment: Segment) -> str:
    return render_selector((segment,))[1:]


def _decode_all(selector: Selector, value: Any) -> Any:
    for decoder in selector.decoders:
        try:
            value = _decode(decoder, value)
        except (ValueError, TypeError, binascii.Error) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise SelectorDecodeError(say(
                f"bộ chọn {selector}: bộ giải mã {decoder}: {first}; nhận được {excerpt(value)}",
                f"selector {selector}: decoder {decoder}: {first}; got {excerpt(value)}"
            )) from None
    return value


def _decode(decoder: str, value: Any) -> Any:
    if decoder == "base64":
        return decode_base64(value)
    if decoder == "json":
        return json.loads(value)
    if decoder == "base64-json":
        return json.loads(decode_base64(value))
    if decoder == "text":
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if isinstance(value, str):
            return value
        raise ValueError(say(f"không phải văn bản mà là {type(value).__name__}",
                             f"not text but {type(value).__name__}"))
    if isinstance(value, bool) or not isinstance(value, int | str | float):
        raise ValueError(say(f"không phải số mà là {type(value).__name__}",
                             f"not a number but {type(value).__name__}"))
    number = int(value)
    if isinstance(value, float) and number != value:
        raise ValueError(say(f"{value} không phải số nguyên", f"{value} is not a whole number"))
    return number


def decode_base64(value: Any) -> bytes:
    """Strict base64 (standard or URL-safe alphabet, padding optional, whitespace ignored)."""
    if isinstance(value, bytes):
        value = value.decode("ascii")
    if not isinstance(value, str):
        raise ValueError(say(f"không phải văn bản base64 mà là {type(value).__name__}",
                             f"not base64 text but {type(value).__name__}"))
    text = "".join(value.split())
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    return base64.b64decode(text, validate=True)


def excerpt(value: Any, limit: int = 80) -> str:
    """A short printable form of a value (long texts cut) for messages."""
    if isinstance(value, bytes):
        text = repr(value[:limit])
        return text + (f"... ({len(value)} bytes)" if len(value) > limit else "")
    text = json.dumps(value, ensure_ascii=False, default=str) \
        if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


__all__ = [
    "DECODERS", "QuotedKey", "Selector", "SelectorDecodeError", "SelectorMiss",
    "SelectorSyntaxError", "decode_base64", "describe", "excerpt", "parse_selector",
    "render_selector",
]
