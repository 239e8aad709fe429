"""Judging any signer or verifier: cases, adapters, the oracle, the reference tools, the runner.

The command line (:mod:`conformance.cli`) is the main door. What other packages (the emulators)
may import from :mod:`conformance` is listed here (``__all__``); a name is loaded on first use
(:func:`__getattr__`), so ``kyso --help`` loads none of pyHanko, certomancer or aiohttp.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .oracle.certificate import CheckOutcome as CheckOutcome
    from .reference.certificate_check import async_check_certificate as async_check_certificate
    from .reference.defects.catalogue import Defect as Defect
    from .reference.roles import store_evidence as store_evidence
    from .reference.signer import signing_context_from_testbed as signing_context_from_testbed
    from .reference.signing_request import Refusal as Refusal
    from .reference.signing_token import login_user as login_user
    from .reference.signing_token import token_certificates as token_certificates
    from .reference.signing_token import token_session as token_session
    from .sut.examples import REFERENCE_SUT_PROGRAM as REFERENCE_SUT_PROGRAM

_PUBLIC = {
    "CheckOutcome": ".oracle.certificate",
    "async_check_certificate": ".reference.certificate_check",
    "Defect": ".reference.defects.catalogue",
    "store_evidence": ".reference.roles",
    "signing_context_from_testbed": ".reference.signer",
    "Refusal": ".reference.signing_request",
    "login_user": ".reference.signing_token",
    "token_certificates": ".reference.signing_token",
    "token_session": ".reference.signing_token",
    "REFERENCE_SUT_PROGRAM": ".sut.examples",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
