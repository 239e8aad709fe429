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


def say(vietnamese: str, english: str) -> str:
    """One message in the chosen language: ``"vi / en"``, Vietnamese alone or English alone."""
    language = current()
    if language is Language.ENGLISH:
        return english
    if language is Language.VIETNAMESE:
        return vietnamese
    return f"{vietnamese}{SEPARATOR}{english}"


__all__ = ["ENVIRONMENT_VARIABLE", "SEPARATOR", "Language", "choose", "current", "say"]
