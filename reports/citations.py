"""A requirement's clause cited as each language cites law.

The catalogue writes a clause from the document down (``TT 15/2025/TT-BKHCN Điều 5 khoản 1
điểm a``), which sorts and reads well in a table of IDs. A Vietnamese reader cites the other
way round, the smallest unit first and the document in full: *điểm a khoản 1 Điều 5 Thông tư số
15/2025/TT-BKHCN*; an English reader expects *TT15 Art. 5.1(a)*. :func:`citation` gives both from
the catalogue's text, so the results file keeps the clause as written and every renderer (and
the command line) cites it the same way. Text the catalogue adds around a clause (``cùng ...``,
``đọc cùng ...``) is kept, its clauses turned round as well.
"""

from __future__ import annotations

import re

from .vocabulary import Words

_DOCUMENT = re.compile(
    r"(?P<kind>TT|Thông tư|Nghị định|NĐ|Luật)\s+(?:số\s+)?"
    r"(?P<number>\d+)/(?P<year>\d{4})(?P<suffix>/[A-ZĐa-z-]+)?")
_UNIT_WORDS = ("Điều", "khoản", "điểm", "Phụ lục", "Phần", "mục")
_UNIT = r"(?:Điều|khoản|điểm|Phụ lục|Phần|mục)\s+[0-9A-Za-zđ][0-9A-Za-zđ.–-]*"
_RUN = re.compile(rf"(?:(?P<document>{_DOCUMENT.pattern})\s+)?(?P<units>{_UNIT}(?:\s+{_UNIT})*)")
_ONE_UNIT = re.compile(rf"(?P<word>{'|'.join(_UNIT_WORDS)})\s+(?P<value>\S+)")

_VIETNAMESE_KIND = {"TT": "Thông tư", "Thông tư": "Thông tư", "Nghị định": "Nghị định",
                    "NĐ": "Nghị định", "Luật": "Luật"}
_ENGLISH_KIND = {"TT": "TT", "Thông tư": "TT", "Nghị định": "ND", "NĐ": "ND", "Luật": "Law "}
_ENGLISH_PHRASES = (
    (", đọc cùng ", ", read with "),
    ("(cùng ", "(with "),
    ("chữ ký chứng nhận", "certification signature"),
    ("PAdES trên ISO 32000", "PAdES on ISO 32000"),
    (", đọc cho phần mềm ký được yêu cầu ký PAdES baseline",
     ", for signing software asked for a PAdES baseline signature"),
)
"""The catalogue's own words around a clause, in English (what the catalogue writes today)."""


def _vietnamese_document(match: re.Match[str]) -> str:
    kind = _VIETNAMESE_KIND[match["kind"]]
    number = f"{match['number']}/{match['year']}{match['suffix'] or ''}"
    return f"{kind} {number}" if kind == "Luật" else f"{kind} số {number}"


def _english_document(match: re.Match[str]) -> str:
    return f"{_ENGLISH_KIND[match['kind']]}{match['number']}"


def _units(text: str) -> list[tuple[str, str]]:
    return [(unit["word"], unit["value"]) for unit in _ONE_UNIT.finditer(text)]


def _vietnamese_unit(word: str, value: str) -> str:
    """One unit; a span of points (``điểm a–c``) as the law says it: từ điểm a đến điểm c."""
    first, dash, last = value.partition("–")
    return f"từ {word} {first} đến {word} {last}" if dash else f"{word} {value}"


def _vietnamese_run(match: re.Match[str]) -> str:
    units = " ".join(_vietnamese_unit(word, value)
                     for word, value in reversed(_units(match["units"])))
    document = _DOCUMENT.match(match["document"]) if match["document"] else None
    return f"{units} {_vietnamese_document(document)}" if document else units


def _english_run(match: re.Match[str]) -> str:
    parts: list[str] = []
    for word, value in _units(match["units"]):
        if word == "Điều":
            parts.append(f"Art. {value}")
        elif word == "khoản":
            parts.append(f".{value}" if parts and parts[-1].startswith("Art.") else
                         f"para. {value}")
        elif word == "điểm":
            parts.append(f"({value})" if parts else f"point ({value})")
        else:
            parts.append({"Phụ lục": "Annex", "Phần": "Part", "mục": "item"}[word]
                         + f" {value}")
    text = ""
    for part in parts:
        text += part if part.startswith((".", "(")) else (" " if text else "") + part
    document = _DOCUMENT.match(match["document"]) if match["document"] else None
    return f"{_english_document(document)} {text}" if document else text


def vietnamese_citation(clause: str) -> str:
    """``TT 15/2025/TT-BKHCN Điều 5 khoản 1 điểm a`` → ``điểm a khoản 1 Điều 5 Thông tư số
    15/2025/TT-BKHCN``; a document cited alone is named in full (``Thông tư số ...``)."""
    turned = _RUN.sub(_vietnamese_run, clause)
    return _DOCUMENT.sub(lambda match: _vietnamese_document(match)
                         if not turned[:match.start()].endswith("số ") else match[0], turned)


def english_citation(clause: str) -> str:
    """``TT 15/2025/TT-BKHCN Điều 5 khoản 1 điểm a`` → ``TT15 Art. 5.1(a)``."""
    text = _RUN.sub(_english_run, clause)
    text = _DOCUMENT.sub(_english_document, text)
    for vietnamese, english in _ENGLISH_PHRASES:
        text = text.replace(vietnamese, english)
    return text


def citation(clause: str) -> Words:
    """A clause as a Vietnamese and as an English reader cite it."""
    return Words(vietnamese_citation(clause), english_citation(clause))


__all__ = ["citation", "english_citation", "vietnamese_citation"]
