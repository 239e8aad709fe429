"""What a person chooses when starting an emulated service: family, confirmation, misbehaviour.

Plain enums apart from the services (which load aiohttp and the reference tools), so that
``kyso emulate --help`` lists them and argparse checks them without loading anything heavy.
"""

from __future__ import annotations

from enum import StrEnum


class Family(StrEnum):
    """The protocol families of local and remote signing services (the issue's four)."""

    HTTP_PLUGIN = "http-plugin"
    """Plain HTTP on a loopback port, ``request=base64(JSON)`` forms (Viettel-CA, FPT-CA)."""
    WS_ONESHOT = "ws-oneshot"
    """One WebSocket per operation, file by URL, PIN in the service's window (VGCA)."""
    WS_SESSION = "ws-session"
    """One persistent WebSocket, numbered functions, callbacks (VNPT-CA, BkavCA)."""
    REMOTE_HASH = "remote-hash"
    """Remote signing of a hash after the user's confirmation (NEAC API, SmartCA, MySign)."""

    @property
    def default_port(self) -> int:
        return {Family.HTTP_PLUGIN: 8711, Family.WS_ONESHOT: 8712, Family.WS_SESSION: 8713,
                Family.REMOTE_HASH: 8714}[self]

    @property
    def websocket(self) -> bool:
        """True when the operations travel over WebSocket (the base URL is ws:// or wss://)."""
        return self in (Family.WS_ONESHOT, Family.WS_SESSION)


class Confirmation(StrEnum):
    """How the remote-hash user confirms a signing request on their 'phone'."""

    AUTO = "auto"
    """Confirmed by itself after ``confirm_after`` seconds."""
    MANUAL = "manual"
    """Waits for ``POST /ui/answer {"id": tx, "confirm": true}``."""


class Misbehaviour(StrEnum):
    """How every operation of a misbehaving service goes wrong (:mod:`emulators.misbehave`)."""

    HANG = "hang"
    CLOSE = "close"
    GARBAGE = "garbage"
    HUGE = "huge"


__all__ = ["Confirmation", "Family", "Misbehaviour"]
