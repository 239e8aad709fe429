"""Subscribers' signing tokens: SoftHSM2 tokens behind a PIN-lockout PKCS#11 module.

The package owns everything between the testbed and a token: the per-testbed SoftHSM2
installation (:mod:`.softhsm`, the only module touching SoftHSM files), subscriber tokens with
on-token keys (:mod:`.token`), the lockout/lost states every PKCS#11 client sees
(:mod:`.lockout` and ``lockout_module.c``), what a program needs to reach a token
(:mod:`.access`: the access file, and :func:`open_token_library` to load and find it) and
PKCS#11 call traces with PINs redacted (:mod:`.trace`).
"""

from .access import TokenAccess, open_token_library, write_pin_file
from .lockout import DEFAULT_MAX_PIN_TRIES, LockoutState
from .softhsm import SoftHsm
from .token import (
    KEY_TYPES,
    PinIncorrectError,
    PinLockedError,
    SubscriberKeyType,
    SubscriberToken,
    TokenLostError,
    TokenState,
)
from .trace import SpyTrace, TracedRun, TraceSummary, parse_trace, redact, run_traced, spy_module

__all__ = [
    "DEFAULT_MAX_PIN_TRIES",
    "KEY_TYPES",
    "LockoutState",
    "PinIncorrectError",
    "PinLockedError",
    "SoftHsm",
    "SpyTrace",
    "SubscriberKeyType",
    "SubscriberToken",
    "TokenAccess",
    "TokenLostError",
    "TokenState",
    "TraceSummary",
    "TracedRun",
    "open_token_library",
    "parse_trace",
    "redact",
    "run_traced",
    "spy_module",
    "write_pin_file",
]
