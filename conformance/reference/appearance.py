"""The text a visible signature shows, read from its widget's appearance stream.

Decree 30/2020 Annex I (SECONDARY) asks the visible signature of an agency on a state document
to show the agency's name and the signing time in ISO 8601 with the Vietnam offset. To check
that, the judge must read what the appearance *draws*, not what the signer says it drew.
Signers that can write Vietnamese embed a font and show glyph IDs (pyHanko: a Type0 font with
``Identity-H`` encoding); the letters are only recoverable through the font's ``ToUnicode``
CMap, which neither pyHanko nor asn1crypto decodes. This module does, for the CMap operators
that carry the mapping (``codespacerange``, ``bfchar``, ``bfrange`` in both its forms), and
walks the appearance's content streams (and the form XObjects they draw) with pyHanko's
content-stream parser, collecting what ``Tj``, ``TJ``, ``'`` and ``"`` show in the font ``Tf``
selected. ``/ActualText`` is deliberately ignored: it is what a writer *claims* the glyphs say.

Fonts without a ``ToUnicode`` map: a simple font's bytes are read as Windows-1252 (what the
standard fonts' ``WinAnsiEncoding`` nearly is); a composite font's codes cannot be read and show
as U+FFFD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bilingual import say

MAX_MAPPED_CODES = 1 << 17
"""A CMap mapping more codes than this is refused (a hostile file cannot make us allocate)."""
MAX_XOBJECT_DEPTH = 8
"""Form XObjects nested deeper than this are not followed (nor are cycles)."""
UNREADABLE = "\ufffd"

_TOKEN = re.compile(rb"<<|>>|<[0-9A-Fa-f\s]*>|\[|\]|/[^\s/<>\[\]()%]*|\((?:\\.|[^\\)])*\)|"
                    rb"[^\s/<>\[\]()%]+|%[^\r\n]*")


class AppearanceError(ValueError):
    """The appearance (or a CMap in it) cannot be read."""


@dataclass
class ToUnicodeMap:
    """A ToUnicode CMap: character codes (bytes) to Unicode text."""

    codespaces: list[tuple[bytes, bytes]] = field(default_factory=list)
    """Code space ranges (low, high), equal lengths: how many bytes one code takes."""
    mapping: dict[bytes, str] = field(default_factory=dict)

    def decode(self, data: bytes) -> str:
        """The text of a shown string: each code (its length from the code space ranges, else
        one byte) mapped, U+FFFD where the map has no entry."""
        text, position = [], 0
        while position < len(data):
            length = self._code_length(data, position)
            code = data[position:position + length]
            text.append(self.mapping.get(code, UNREADABLE))
            position += length
        return "".join(text)

    def _code_length(self, data: bytes, position: int) -> int:
        for low, high in self.codespaces:
            candidate = data[position:position + len(low)]
            if len(candidate) == len(low) and all(
                    low[i] <= candidate[i] <= high[i] for i in range(len(low))):
                return len(low)
        return 1


def _hex(token: bytes) -> bytes:
    """A hex string token's bytes (whitespace ignored, an odd last digit padded with 0)."""
    digits = re.sub(rb"\s", b"", token[1:-1]).decode("ascii")
    return bytes.fromhex(digits + "0" * (len(digits) % 2))


def _utf16(data: bytes) -> str:
    return data.decode("utf-16-be", errors="replace")


def _tokens(data: bytes) -> list[bytes]:
    return [token for token in _TOKEN.findall(data) if not token.startswith(b"%")]


def parse_to_unicode(data: bytes) -> ToUnicodeMap:
    """Parse a ToUnicode CMap program (PDF 32000-1 9.10.3; Adobe TN 5411 for the operators).

    ``bfrange`` maps ``<low> <high> <first>`` (the destination's last byte counting up) or
    ``<low> <high> [<d1> <d2> …]`` (one destination per code). Raises :class:`AppearanceError`
    for a map that cannot be what it says."""
    parser = _CMapParser(_tokens(data))
    try:
        parser.parse()
    except IndexError:
        raise AppearanceError(say("CMap: kết thúc giữa chừng một khối",
                                  "CMap: ends inside a block")) from None
    except ValueError as error:
        if isinstance(error, AppearanceError):
            raise
        raise AppearanceError(f"CMap: {error}") from None
    result = parser.result
    result.codespaces.sort(key=lambda pair: -len(pair[0]))
    return result


class _CMapParser:
    """One pass over a CMap's tokens: where it is, what it mapped, how many codes so far."""

    def __init__(self, tokens: list[bytes]) -> None:
        self.tokens = tokens
        self.result = ToUnicodeMap()
        self.index = 0
        self.total = 0

    def parse(self) -> None:
        """Read every ``codespacerange``, ``bfchar`` and ``bfrange`` block; skip the rest."""
        while self.index < len(self.tokens):
            token = self.tokens[self.index]
            self.index += 1
            if token == b"begincodespacerange":
                self._codespace_ranges()
            elif token == b"beginbfchar":
                self._bfchars()
            elif token == b"beginbfrange":
                self._bfranges()
            if self.total > MAX_MAPPED_CODES:
                raise AppearanceError(say("CMap: ánh xạ quá nhiều mã", "CMap: maps too many codes"))

    def _hex_at(self, position: int) -> bytes:
        token = self.tokens[position]
        if not (token.startswith(b"<") and token.endswith(b">")) or token in (b"<<", b">>"):
            raise AppearanceError(say(f"CMap: cần một chuỗi hex, gặp {token[:20]!r}",
                                      f"CMap: expected a hex string, found {token[:20]!r}"))
        return _hex(token)

    def _codespace_ranges(self) -> None:
        while self.tokens[self.index] != b"endcodespacerange":
            low, high = self._hex_at(self.index), self._hex_at(self.index + 1)
            if len(low) != len(high) or not low:
                raise AppearanceError(say("CMap: một khoảng mã có hai đầu không cùng độ dài",
                                          "CMap: a code space range with unequal ends"))
            self.result.codespaces.append((low, high))
            self.index += 2

    def _bfchars(self) -> None:
        while self.tokens[self.index] != b"endbfchar":
            self.result.mapping[self._hex_at(self.index)] = _utf16(self._hex_at(self.index + 1))
            self.index += 2
            self.total += 1

    def _bfranges(self) -> None:
        while self.tokens[self.index] != b"endbfrange":
            low, high = self._hex_at(self.index), self._hex_at(self.index + 1)
            start, end = int.from_bytes(low, "big"), int.from_bytes(high, "big")
            if len(low) != len(high) or end < start:
                raise AppearanceError(say("CMap: một bfrange có hai đầu không khớp nhau",
                                          "CMap: a bfrange whose ends do not match"))
            self.total += end - start + 1
            if self.total > MAX_MAPPED_CODES:
                raise AppearanceError(say("CMap: ánh xạ quá nhiều mã", "CMap: maps too many codes"))
            if self.tokens[self.index + 2] == b"[":
                self._bfrange_array(len(low), start, end)
            else:
                self._bfrange_counting(len(low), start, end)

    def _bfrange_array(self, code_length: int, start: int, end: int) -> None:
        """``<low> <high> [<d1> <d2> …]``: one destination per code."""
        self.index += 3
        for offset in range(end - start + 1):
            code = (start + offset).to_bytes(code_length, "big")
            self.result.mapping[code] = _utf16(self._hex_at(self.index))
            self.index += 1
        if self.tokens[self.index] != b"]":
            raise AppearanceError(say("CMap: mảng của một bfrange sai độ dài",
                                      "CMap: a bfrange array of the wrong length"))
        self.index += 1

    def _bfrange_counting(self, code_length: int, start: int, end: int) -> None:
        """``<low> <high> <first>``: the destination's last byte counts up with the code."""
        first = self._hex_at(self.index + 2)
        prefix, last = first[:-1], first[-1] if first else 0
        for offset in range(end - start + 1):
            code = (start + offset).to_bytes(code_length, "big")
            # only the last byte counts up (it may not pass 0xFF)
            if last + offset > 0xFF:
                raise AppearanceError(say("CMap: đích của một bfrange tràn byte cuối",
                                          "CMap: a bfrange destination overflows its last byte"))
            self.result.mapping[code] = _utf16(prefix + bytes([last + offset]))
        self.index += 3


# ---- the appearance --------------------------------------------------------------------------
class _Font:
    """How one font resource turns shown bytes into text."""

    def __init__(self, font: Any) -> None:
        self.map: ToUnicodeMap | None = None
        self.composite = font.get("/Subtype") == "/Type0"
        to_unicode = font.get("/ToUnicode")
        if to_unicode is not None:
            self.map = parse_to_unicode(to_unicode.get_object().data)

    def decode(self, data: bytes) -> str:
        if self.map is not None:
            return self.map.decode(data)
        if self.composite:
            return UNREADABLE * (len(data) // 2)
        return data.decode("cp1252", errors="replace")


def _string_bytes(value: Any) -> bytes:
    original = getattr(value, "original_bytes", None)
    if original is not None:
        return bytes(original)
    return bytes(value) if isinstance(value, bytes) else str(value).encode("latin-1", "replace")


def _shown_text(stream: Any, resources: Any, depth: int, seen: set[int]) -> Iterator[str]:
    from pyhanko.pdf_utils.content_stream_parser import parse_content_stream
    from pyhanko.pdf_utils.misc import PdfReadError

    fonts: dict[str, _Font] = {}
    font: _Font | None = None
    font_resources = resources.get("/Font", {}) if resources is not None else {}
    xobjects = resources.get("/XObject", {}) if resources is not None else {}
    try:
        operators = list(parse_content_stream([stream]))
    except (PdfReadError, AssertionError, ValueError, KeyError, TypeError) as error:
        raise AppearanceError(say(f"không phân tích được luồng nội dung của hình thức hiển thị "
                                  f"({error})",
                                  f"an appearance content stream cannot be parsed ({error})")) \
            from None
    for operator in operators:
        name, arguments = operator.op, operator.args
        if name == "Tf" and arguments:
            key = str(arguments[0])
            if key not in fonts:
                resource = font_resources.get(key)
                fonts[key] = _Font(resource.get_object()) if resource is not None else _Font({})
            font = fonts[key]
        elif name in ("Tj", "'", '"') and arguments:
            if name != "Tj":
                yield "\n"
            yield (font or _Font({})).decode(_string_bytes(arguments[-1]))
        elif name == "TJ" and arguments:
            for part in arguments[0]:
                if not isinstance(part, int | float):
                    yield (font or _Font({})).decode(_string_bytes(part))
        elif name in ("T*", "ET") or (name in ("Td", "TD") and len(arguments) == 2
                                      and float(arguments[1]) != 0):
            yield "\n"
        elif name == "Do" and arguments and depth < MAX_XOBJECT_DEPTH:
            child = xobjects.get(str(arguments[0]))
            if child is None:
                continue
            reference = getattr(child, "idnum", None)
            child = child.get_object()
            if child.get("/Subtype") != "/Form" or (reference is not None and reference in seen):
                continue
            yield from _shown_text(child, child.get("/Resources"), depth + 1,
                                   seen | ({reference} if reference is not None else set()))


def _normal_appearance(field_dictionary: Any) -> Any | None:
    """The /AP /N stream of a signature field's widget (merged into the field, or a kid)."""
    widgets = [field_dictionary]
    kids = field_dictionary.get("/Kids")
    if kids is not None:
        widgets += [kid.get_object() for kid in kids]
    for widget in widgets:
        appearance = widget.get("/AP")
        if appearance is None:
            continue
        normal = appearance.get_object().get("/N")
        if normal is not None and hasattr(normal.get_object(), "data"):
            return normal.get_object()
    return None


def widget_rectangle(field_dictionary: Any) -> tuple[float, float, float, float] | None:
    """The /Rect of the field's widget (None when it has none)."""
    widgets = [field_dictionary, *[kid.get_object()
                                   for kid in field_dictionary.get("/Kids", [])]]
    for widget in widgets:
        rectangle = widget.get("/Rect")
        if rectangle is not None and len(rectangle) == 4:
            x1, y1, x2, y2 = (float(value) for value in rectangle)
            return x1, y1, x2, y2
    return None


def appearance_text(field_dictionary: Any) -> str | None:
    """The text the signature field's normal appearance draws, in drawing order, NFC, one line
    per text line; None when the field has no appearance stream."""
    stream = _normal_appearance(field_dictionary)
    if stream is None:
        return None
    text = "".join(_shown_text(stream, stream.get("/Resources"), 0, set()))
    lines = [" ".join(line.split()) for line in unicodedata.normalize("NFC", text).split("\n")]
    return "\n".join(line for line in lines if line)


def shows(text: str, wanted: str) -> bool:
    """Whether ``wanted`` appears in ``text`` (NFC, case kept; whitespace, line breaks
    included, counts as one space, and a writer that places words apart without space glyphs
    is read as if it had them)."""
    def flat(value: str) -> str:
        return " ".join(unicodedata.normalize("NFC", value).split())

    return flat(wanted) in flat(text) or \
        "".join(flat(wanted).split()) in "".join(flat(text).split())
