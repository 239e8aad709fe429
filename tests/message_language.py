"""Find messages a person would read in English only: the grep behind TT15's "Vietnamese first".

A *message* is a string literal (or the literal parts of an f-string) that kyso shows a person:
an argument of ``print``, a ``help=``/``description=``/``epilog=``/``title=`` of the command
line, the text of a raised error. A pydantic ``Field(description=...)`` documents a JSON Schema for
developers and is not a message. It is English-only when its literal text has two English words
in a row and not one Vietnamese letter. Strings passed to :func:`bilingual.say` are the two
halves of one message and are checked as a pair (Vietnamese first, then English).

Run it as a script to list what is left: ``python -m tests.message_language [paths...]``.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERSON_FACING = ("testbed", "conformance", "scenarios", "reports", "emulators")
"""The packages whose strings can reach a person through ``kyso``."""

VIETNAMESE_LETTER = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}\b[ ,;:'-]+\b[A-Za-z]{2,}\b")
MESSAGE_KEYWORDS = {"help", "description", "epilog", "title"}
INTERNAL_ERRORS = {"RuntimeError", "AssertionError", "NotImplementedError", "TypeError",
                   "KeyError", "AttributeError", "StopIteration"}
"""Raised for a bug in kyso, never for a person's mistake: a traceback is what they show."""
SCHEMA_FIELDS = {"Field"}
"""A pydantic field's description documents a machine file (its JSON Schema), not a message."""


def literal_text(node: ast.AST) -> str | None:
    """The text of a string literal, an f-string's literal parts ('{}' for each value), or an
    implicit concatenation of those; ``None`` for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}"
                       for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal_text(node.left), literal_text(node.right)
        if left is not None or right is not None:
            return (left or "{}") + (right or "{}")
    return None


def is_english_only(text: str) -> bool:
    """Two English words in a row and no Vietnamese letter."""
    return bool(ENGLISH_WORDS.search(text)) and not VIETNAMESE_LETTER.search(text)


def _name(function: ast.AST) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _said(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``say(...)`` calls (checked as pairs, not one by one)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "say":
            for argument in node.args:
                inside.update(id(child) for child in ast.walk(argument))
    return inside


def _messages(tree: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``tree`` that are messages to a person."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name == "print":
                yield from node.args
            elif name.endswith(("Error", "Exception", "Refusal")) and name not in INTERNAL_ERRORS:
                yield from node.args[:1]
            for keyword in node.keywords if name not in SCHEMA_FIELDS else ():
                if keyword.arg in MESSAGE_KEYWORDS:
                    yield keyword.value
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and _name(node.exc.func) not in INTERNAL_ERRORS:
            yield from node.exc.args[:1]


def _pairs(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """``say(vi, en)`` calls whose first half is not Vietnamese: (node, text)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "say" and node.args:
            text = literal_text(node.args[0])
            if text is not None and is_english_only(text):
                yield node, text


def english_only(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of each English-only message in the Python file ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    said = _said(tree)
    seen: set[int] = set()
    for node in _messages(tree):
        for part in ast.walk(node):
            if id(part) in said or id(part) in seen:
                continue
            text = literal_text(part)
            if text is not None:
                seen.update(id(child) for child in ast.walk(part))
                if is_english_only(text):
                    yield part.lineno, text
    for node, text in _pairs(tree):
        yield node.lineno, f"say() with English first: {text}"


def scan(paths: list[Path]) -> list[str]:
    """Every English-only message under ``paths``, as 'file:line: text'."""
    found = []
    for base in paths:
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for path in files:
            for line, text in english_only(path):
                found.append(f"{path.relative_to(ROOT)}:{line}: {text[:90]!r}")
    return found


if __name__ == "__main__":
    targets = [Path(argument).resolve() for argument in sys.argv[1:]] or \
        [ROOT / package for package in PERSON_FACING]
    lines = scan(targets)
    print("\n".join(lines))
    print(f"{len(lines)} English-only message(s)", file=sys.stderr)
