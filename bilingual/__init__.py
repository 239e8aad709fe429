"""The language a person reads kyso in: Vietnamese first, English after, or English alone.

Every message kyso shows a person (a command's output, an error, a ``--help`` text) is written
in both languages and rendered here, through :func:`say`. The default puts Vietnamese first and
English after a slash, because kyso's readers are Vietnamese labs and vendors and the legal terms
are Vietnamese; ``kyso --lang en`` (or ``KYSO_LANG=en``) gives English alone for a foreign reader,
``--lang vi`` Vietnamese alone. Machine files (JSON, JUnit XML, schemas) are not messages and
keep their own vocabulary.

This package sits below every layer (the testbed raises bilingual errors, the command line and
the suite print bilingual lines) and imports nothing of kyso's.
"""

from __future__ import annotations

import os
from enum import StrEnum


class Language(StrEnum):
    """How a message is rendered."""

    BOTH = "vi-en"  # Vietnamese first, then English: the default
    VIETNAMESE = "vi"
    ENGLISH = "en"


ENVIRONMENT_VARIABLE = "KYSO_LANG"
"""Carries the choice to child processes (the testbed started in the background, workers)."""

SEPARATOR = " / "
"""Between the Vietnamese and the English of one message."""


def current() -> Language:
    """The language chosen for this process (``KYSO_LANG``; Vietnamese first by default)."""
    try:
        return Language(os.environ.get(ENVIRONMENT_VARIABLE, Language.BOTH.value))
    except ValueError:
        return Language.BOTH


def choose(language: Language | str) -> None:
    """Choose the language for this process and its children (``kyso --lang``)."""
    os.environ[ENVIRONMENT_VARIABLE] = Language(language).value


class Said(str):
    """A message rendered in the chosen language that still knows both of its halves.

    It *is* the rendered string (print it, put it in an exception), and a machine file that
    keeps both languages apart (``reason`` and ``reason_vi`` of a result) takes
    :attr:`english` and :attr:`vietnamese` from it whatever language the run was in.
    """

    vietnamese: str
    english: str

    def __new__(cls, vietnamese: str, english: str) -> Said:
        language = current()
        if language is Language.ENGLISH:
            rendered = english
        elif language is Language.VIETNAMESE:
            rendered = vietnamese
        else:
            rendered = f"{vietnamese}{SEPARATOR}{english}"
        said = super().__new__(cls, rendered)
        said.vietnamese, said.english = vietnamese, english
        return said

    def __reduce__(self) -> tuple[type[Said], tuple[str, str]]:
        """Both halves cross a process boundary (``--jobs`` workers pickle their errors)."""
        return Said, (self.vietnamese, self.english)


def say(vietnamese: str, english: str) -> Said:
    """One message in the chosen language: ``"vi / en"``, Vietnamese alone or English alone."""
    return Said(vietnamese, english)


def halves(message: object) -> tuple[str, str] | None:
    """(Vietnamese, English) of a message made by :func:`say` (also when it is an exception's
    first argument), or ``None`` for any other text."""
    if isinstance(message, BaseException) and message.args:
        message = message.args[0]
    if isinstance(message, Said):
        return message.vietnamese, message.english
    return None


__all__ = ["ENVIRONMENT_VARIABLE", "SEPARATOR", "Language", "Said", "choose", "current", "halves",
           "say"]
