"""The verdict vocabulary of a conformance run.

The expectation and answer types (EN 319 102-1 indications, message classes, the seven display
fields, adapter contract v1 answers) are defined once, in :mod:`scenarios.outcomes`, because
scenario files are written in them; the :class:`Verdict` on a case (PASS / FAIL / ERROR /
SKIPPED, always with a reason) is defined by the results model in :mod:`reports.results`, which
renderers read without importing conformance. Both are re-exported here. ERROR means the
software gave no usable answer; FAIL means it answered wrongly.
"""

from __future__ import annotations

from reports import Verdict
from scenarios import (
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
