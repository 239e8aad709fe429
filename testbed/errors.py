"""The testbed's error family.

Every failure a user can cause (unknown subscriber, revoking twice, an unparseable date, a port
already in use) is a :class:`TestbedError` whose message names the thing that was wrong, in one
line, so the command line can print it as-is and exit non-zero. The line is bilingual
(:func:`bilingual.say`: Vietnamese first, English after, or English alone with ``KYSO_LANG=en``).
Anything else escaping the testbed is a bug.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from bilingual import say

_Choice = TypeVar("_Choice", bound=StrEnum)


class TestbedError(Exception):
    """A user-facing testbed failure; ``str(err)`` is a one-line explanation."""

    __test__ = False  # not a pytest test class, despite the name


class UnknownSubscriberError(TestbedError):
    """The named subscriber (or certificate) does not exist in this testbed."""


class InvalidStateError(TestbedError):
    """The operation contradicts the testbed's state (e.g. revoking a revoked certificate)."""


class InvalidInputError(TestbedError):
    """A value given by the user does not parse or is out of range (dates, key types, ...)."""


class ServiceError(TestbedError):
    """The live services could not start (port in use, bad directory, ...)."""


class TokenError(TestbedError):
    """A token operation failed (wrong PIN, locked, lost, unknown label, ...)."""


def parse_choice(choices: type[_Choice], text: str, *, field: str,
                 normalise: Callable[[str], str] = str.lower) -> _Choice:
    """A member of ``choices`` from user text, or a one-line error listing the allowed values."""
    try:
        return choices(normalise(text))
    except ValueError:
        allowed = ", ".join(member.value for member in choices)
        raise InvalidInputError(say(f"{field}: '{text}' không phải một trong các giá trị {allowed}",
                                    f"{field}: '{text}' is not one of {allowed}")) from None
