"""The service's own window, as HTTP: the dialogs a person would answer on screen or on a phone.

A VGCA-style service asks for the PIN in its own window, never in the web page's request; a
remote-signing service waits for the user to confirm on their phone. Neither can be driven by
the calling web application, so the emulator shows its "window" as two endpoints that a UI
driver (``python -m emulators.ui_driver``), a test or a person with curl answers:

* ``GET /ui/pending`` → ``[{"id": "...", "kind": "pin", "token_label": "..."}, ...]`` (or
  ``"kind": "confirm"`` with the transaction's ``description``), oldest first;
* ``POST /ui/answer`` with ``{"id": ..., "pin": "..."}``, ``{"id": ..., "confirm": true}``
  (``false`` rejects) or ``{"id": ..., "cancel": true}`` → ``{"status": "ok"}``; an unknown
  or already answered id → 404.

The PIN typed into a dialog is handed to the waiting operation and never logged.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PIN = "pin"
CONFIRM = "confirm"


@dataclass
class Dialog:
    """One open dialog and the answer it waits for."""

    id: str
    kind: str
    info: dict[str, str]
    answer: asyncio.Future[dict[str, Any]] = field(repr=False)

    def listing(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, **self.info}


class Dialogs:
    """The open dialogs of one service."""

    def __init__(self) -> None:
        self._open: dict[str, Dialog] = {}

    def open(self, kind: str, *, dialog_id: str | None = None, **info: str) -> Dialog:
        """Show a new dialog (``dialog_id``: a given id, e.g. a transaction's)."""
        dialog = Dialog(id=dialog_id or secrets.token_hex(8), kind=kind, info=info,
                        answer=asyncio.get_running_loop().create_future())
        self._open[dialog.id] = dialog
        return dialog

    async def wait(self, dialog: Dialog, timeout: float) -> dict[str, Any] | None:
        """The answer, or None when nobody answered within ``timeout`` seconds (then closed)."""
        try:
            return await asyncio.wait_for(asyncio.shield(dialog.answer), timeout)
        except TimeoutError:
            return None
        finally:
            self._open.pop(dialog.id, None)

    def close(self, dialog: Dialog) -> None:
        self._open.pop(dialog.id, None)

    def pending(self) -> list[dict[str, str]]:
        return [dialog.listing() for dialog in self._open.values()]

    def answer(self, dialog_id: str, answer: dict[str, Any]) -> bool:
        dialog = self._open.pop(dialog_id, None)
        if dialog is None or dialog.answer.done():
            return False
        dialog.answer.set_result(answer)
        return True

    # ---- the HTTP face -------------------------------------------------------------------------
    async def _pending(self, request: web.Request) -> web.Response:
        del request
        return web.json_response(self.pending())

    async def _answer(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "body: not JSON"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            return web.json_response({"error": "id: missing"}, status=400)
        dialog = self._open.get(body["id"])
        if dialog is None:
            return web.json_response({"error": f"id: no open dialog {body['id']!r}"},
                                     status=404)
        problem = _answer_problem(body, dialog.kind)
        if problem:
            return web.json_response({"error": problem}, status=400)
        self.answer(dialog.id, body)
        return web.json_response({"status": "ok"})

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/ui/pending", self._pending)
        app.router.add_post("/ui/answer", self._answer)


def _answer_problem(body: dict[str, Any], kind: str) -> str | None:
    if body.get("cancel") is True:
        return None
    if kind == PIN:
        return None if isinstance(body.get("pin"), str) and body["pin"] else \
            "pin: a non-empty string is needed (or cancel: true)"
    return None if isinstance(body.get("confirm"), bool) else \
        "confirm: true or false is needed (or cancel: true)"


__all__ = ["CONFIRM", "PIN", "Dialog", "Dialogs"]
