"""A UI driver for the emulated services' windows: answers the first open dialog, then exits.

    python -m emulators.ui_driver --ui URL --pin-file FILE [--timeout S]
        [--kind pin|confirm] [--token-label LABEL] [--reject] [--cafile PEM]

It polls ``URL/pending`` (``URL`` = the service's base URL + ``/ui``; ws:// and wss:// are read
as http:// and https://) until a dialog of ``--kind`` shows (for PIN dialogs, of
``--token-label`` when given), then posts the answer to ``URL/answer``: the PIN read from
``--pin-file`` (never printed), or for ``--kind confirm`` a confirmation (``--reject``: a
refusal). It is what a profile's ``[interaction] mode = "driver"`` command runs, in place of a
person typing the PIN into the vendor's window. With ``--tls`` services, ``--cafile`` names the
service's certificate.

Exit codes: 0 answered; 1 no dialog within ``--timeout`` seconds (default 60) or the service
refused the answer; 2 usage error (one line).
"""

from __future__ import annotations

import argparse
import asyncio
import ssl
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bilingual import say

POLL_SECONDS = 0.1


def http_base(url: str) -> str:
    """``url`` with a ws(s) scheme read as http(s), without a trailing slash."""
    if url.startswith("ws://"):
        url = "http://" + url[len("ws://"):]
    elif url.startswith("wss://"):
        url = "https://" + url[len("wss://"):]
    return url.rstrip("/")


def _chosen(dialogs: Any, kind: str, label: str | None) -> str | None:
    if not isinstance(dialogs, list):
        return None
    for dialog in dialogs:
        if isinstance(dialog, dict) and dialog.get("kind") == kind and \
                (label is None or dialog.get("token_label") in (None, label)):
            identifier = dialog.get("id")
            if isinstance(identifier, str):
                return identifier
    return None


async def drive(ui: str, answer: dict[str, Any], *, kind: str = "pin",
                token_label: str | None = None, timeout: float = 60.0,
                ssl_context: ssl.SSLContext | None = None) -> str | None:
    """Answer the first dialog of ``kind``; its id, or None when none showed in time."""
    base = http_base(ui)
    deadline = time.monotonic() + timeout
    connector = aiohttp.TCPConnector(ssl=ssl_context) if ssl_context else None
    async with aiohttp.ClientSession(connector=connector) as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base}/pending") as response:
                    dialogs = await response.json(content_type=None)
            except (aiohttp.ClientError, ValueError):
                dialogs = None
            identifier = _chosen(dialogs, kind, token_label)
            if identifier is not None:
                async with http.post(f"{base}/answer",
                                     json={"id": identifier, **answer}) as response:
                    if response.status == 200:
                        return identifier
            await asyncio.sleep(POLL_SECONDS)
    return None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"ui_driver: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="ui_driver", description=__doc__.split("\n")[0])
    parser.add_argument("--ui", required=True, help=say("URL /ui của dịch vụ",
                                                        "the service's /ui URL"))
    parser.add_argument("--pin-file", type=Path, help=say("mã PIN cần nhập (loại pin)",
                                                          "the PIN to type (kind pin)"))
    parser.add_argument("--kind", choices=("pin", "confirm"), default="pin")
    parser.add_argument("--token-label", help=say("chỉ hộp thoại mã PIN của token này",
                                                  "only a PIN dialog for this token"))
    parser.add_argument("--reject", action="store_true", help=say("loại confirm: từ chối",
                                                                  "kind confirm: refuse"))
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--cafile", type=Path, help=say(
        "chứng thư chữ ký số của dịch vụ (--tls)", "the service's certificate (--tls)"))
    arguments = parser.parse_args(argv)
    if arguments.kind == "pin":
        if arguments.pin_file is None:
            parser.error("--pin-file: needed to answer a PIN dialog")
        try:
            pin = arguments.pin_file.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            parser.error(f"--pin-file: cannot read {arguments.pin_file} ({error.strerror})")
        answer: dict[str, Any] = {"pin": pin}
    else:
        answer = {"confirm": not arguments.reject}
    context = None
    if arguments.cafile is not None:
        try:
            context = ssl.create_default_context(cafile=str(arguments.cafile))
        except (OSError, ssl.SSLError) as error:
            parser.error(f"--cafile: cannot read {arguments.cafile} ({error})")
    answered = asyncio.run(drive(arguments.ui, answer, kind=arguments.kind,
                                 token_label=arguments.token_label,
                                 timeout=arguments.timeout, ssl_context=context))
    if answered is None:
        where, seconds = f"{http_base(arguments.ui)}/pending", f"{arguments.timeout:g}"
        print("ui_driver: " + say(
            f"không có hộp thoại {arguments.kind} tại {where} trong {seconds} s",
            f"no {arguments.kind} dialog at {where} within {seconds} s"), file=sys.stderr)
        return 1
    print("ui_driver: " + say(f"đã trả lời hộp thoại {arguments.kind} {answered}",
                              f"answered {arguments.kind} dialog {answered}"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
