"""The verdict vocabulary of a conformance run.

The expectation and answer types (EN 319 102-1 indications, message classes, the seven display
fields, adapter contract v1 answers) are defined once, in :mod:`scenarios.outcomes`, because
scenario files are written in them; they are re-exported here. What conformance adds is the
:class:`Verdict` on a case: PASS / FAIL / ERROR / SKIPPED, always with a reason. ERROR means the
software gave no usable answer; FAIL means it answered wrongly.
"""

from __future__ import annotations

from enum import StrEnum

from scenarios.outcomes import (
    CONTRACT_VERSION,
    DisplayField,
    Expectation,
    Indication,
    MessageClass,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
    VerifierAnswer,
)

__all__ = [
    "CONTRACT_VERSION",
    "DisplayField",
    "Expectation",
    "Indication",
    "MessageClass",
    "SignatureAnswer",
    "SignerAnswer",
    "SignerOutcome",
    "SubIndication",
    "VerifierAnswer",
    "Verdict",
]


class Verdict(StrEnum):
    """The conclusion on one conformance case."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"
