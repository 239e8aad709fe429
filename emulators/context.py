"""What every emulated service shares while it runs: its family, its options, its engine.

One :class:`ServiceContext` per running service; the family modules add their routes to an
aiohttp application with it (``add_routes(app, context)``), so they never reach for globals and
two services (or two test modules) can run side by side in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from emulators.choices import Confirmation, Family, Misbehaviour
from emulators.dialogs import Dialogs
from emulators.engine import ReferenceEngine
from emulators.fields import TestbedDefaults


@dataclass(frozen=True)
class ServiceOptions:
    """Everything ``kyso emulate`` lets one choose, with the defaults the spec gives."""

    defect: str | None = None
    """A defect of :mod:`conformance.reference.defects` behind the service."""
    misbehave: Misbehaviour | None = None
    """Every operation misbehaves this way (never ``GET /health`` nor the UI endpoints)."""
    tls: bool = False
    """Serve https/wss with a self-signed loopback certificate generated at start."""
    certificate_file: Path | None = None
    """Where the TLS certificate's PEM goes (default: the service's working directory)."""
    confirm: Confirmation = Confirmation.AUTO
    confirm_after: float = 0.3
    """Seconds before an automatic confirmation (remote-hash)."""
    confirm_timeout: float = 300.0
    """Seconds a manual confirmation may take before the transaction is ``expired``."""
    pin_timeout: float = 60.0
    """Seconds the ws-oneshot PIN window waits ("Hết thời gian chờ nhập PIN" after)."""
    defaults: TestbedDefaults | None = None
    """``--token LABEL``: testbed extension fields a request leaves out come from a testbed."""


@dataclass
class ServiceContext:
    """One running service's shared parts."""

    family: Family
    options: ServiceOptions
    engine: ReferenceEngine
    workdir: Path
    dialogs: Dialogs = field(default_factory=Dialogs)
