"""The adapter kinds of a SUT profile, and where each kind's code lives (imported on first use).

The generic profile (:mod:`.profile`) and the role builder (:mod:`.adapters`) serve every kind,
but reading a ``cli`` profile should not load the service adapters (aiohttp, the transports,
pyHanko's signing for ``remote-hash``), nor a service profile the process sandbox. So they look
a kind up here: :func:`profile_check` gives the kind's checks across tables (run by the
profile's own validator), :func:`adapter_class` the class that plays its roles. Both import
the kind's module the first time they are asked, by its dotted name.

The process kinds (:mod:`conformance.sut.process`) start the SUT; the service kinds
(:mod:`conformance.sut.service`) talk to a running service and share ``[adapter.service]``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.sut.profile import SutProfile

PROCESS_KINDS = ("cli", "batch", "python", "manual")
"""The kinds that start the SUT (``manual``: a person starts it)."""
SERVICE_KINDS = ("http", "ws-oneshot", "ws-session", "remote-hash")
"""The kinds that talk to a running service; they share ``[adapter.service]``."""


@dataclass(frozen=True)
class KindCode:
    """Where one adapter kind's code lives, as ``module:name`` (None: the kind has none)."""

    table: str
    """The ``[adapter.TABLE]`` this kind reads (``service`` for every service kind)."""
    check: str | None = None
    """A function(profile) raising ``ValueError("field.path: problem")``, for the checks that
    need more than the kind's own table."""
    adapter: str | None = None
    """A class(profile) implementing the scenario player's Signer and Verifier."""


_SERVICE = KindCode(table="service", check="conformance.sut.service.checks:check_profile",
                    adapter="conformance.sut.service.adapter:ServiceSut")
KINDS: dict[str, KindCode] = {
    "cli": KindCode(table="cli", adapter="conformance.sut.process.cli:CliSut"),
    "batch": KindCode(table="batch", adapter="conformance.sut.process.batch:BatchSut"),
    "python": KindCode(table="python", adapter="conformance.sut.process.python:PythonSut"),
    "manual": KindCode(table="manual"),  # played by a person from a test kit: no adapter
    **{kind: _SERVICE for kind in SERVICE_KINDS},
}


def _load(reference: str | None) -> Any:
    if reference is None:
        return None
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


def profile_check(kind: str) -> Callable[[SutProfile], None] | None:
    """The kind's checks across tables (None: its own table's validation is all there is)."""
    check: Callable[[SutProfile], None] | None = _load(KINDS[kind].check)
    return check


def adapter_class(kind: str) -> Callable[[SutProfile], Any] | None:
    """The class that plays the kind's roles (None for ``manual``, played by a person)."""
    adapter: Callable[[SutProfile], Any] | None = _load(KINDS[kind].adapter)
    return adapter


__all__ = ["KINDS", "PROCESS_KINDS", "SERVICE_KINDS", "KindCode", "adapter_class",
           "profile_check"]
