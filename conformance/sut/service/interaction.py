"""The person (or robot) at the service's window: a UI driver process, or a prompt to a tester.

Local signing services often open their own window for the PIN or the confirmation: kyso cannot
type into it. ``[interaction] mode = "driver"`` names a command that can (a UI automation script;
the emulated services ship one that answers their dialog API): it is started when a signing
operation starts, runs beside the exchange, and is stopped (its process group killed) when the
operation ends, whatever happened. Its output, with the PIN redacted, is kept in the case's
directory (``driver-output.txt``). ``mode = "human"`` prints a Vietnamese + English prompt on
stderr and keeps waiting for the service, within the operation's timeout.

The driver is the tester's own tool, not the software under test, but it runs where the PIN is
within reach, so it is confined like one: in bubblewrap when the run is isolated
(:mod:`conformance.sut.isolation`: the read-only system, the paths its command line names, its
private working directory, the X server's sockets when there is one, nothing of the run's
output folder or testbed), in its own process group with a minimal environment; it never
outlives its operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.sut.isolation import (
    X11_SOCKETS,
    SandboxGrants,
    bwrap_arguments,
    current_isolation,
    describe,
    named_paths,
)
from conformance.sut.service.templates import redact, render

OUTPUT_KEPT_BYTES = 64 * 1024
_STOP_GRACE_SECONDS = 1.0

DEFAULT_PROMPT_VI = ("Kiểm thử ký số: hãy nhập mã PIN của thiết bị '{token_label}' (mã PIN trong "
                     "tệp {pin_file}) vào cửa sổ của dịch vụ ký số {base_url}; kyso đang chờ "
                     "dịch vụ trả lời (tối đa {timeout} giây).")
DEFAULT_PROMPT_EN = ("Signing test: type the PIN of token '{token_label}' (the PIN is in the file "
                     "{pin_file}) in the window of the signing service {base_url}; kyso waits "
                     "for the service's answer (at most {timeout} s).")


def prompt_text(template: str, values: Mapping[str, Any]) -> str:
    """The prompt with {token_label}, {pin_file}, {base_url}, {case_id}, {timeout} filled
    (other braces are left as written: the tester's text is not a format string)."""
    text = template
    for name in ("token_label", "pin_file", "base_url", "case_id", "timeout"):
        text = text.replace(f"{{{name}}}", str(values.get(name, "")))
    return text


def show_prompt(vietnamese: str, english: str) -> None:
    """Print the prompt to the tester (stderr: stdout may be a machine-read report)."""
    print(f"\n>>> {vietnamese}\n>>> {english}\n", file=sys.stderr, flush=True)


class DriverProcess:
    """A UI driver started beside one operation; :meth:`stop` kills it and returns the facts."""

    def __init__(self, command: Sequence[str], values: Mapping[str, Any], *, workdir: Path,
                 env: Mapping[str, str], secrets: list[str], output_file: Path) -> None:
        self.command = [str(render(argument, values)) for argument in command]
        self.workdir = workdir
        self.env = dict(env)
        self.secrets = secrets
        self.output_file = output_file
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._output = bytearray()
        self._total = 0
        self._started = 0.0
        self._start_error: str | None = None
        self._isolation = "none"

    def _confined(self) -> list[str]:
        """The command, behind bubblewrap when the run is isolated."""
        settings = current_isolation()
        self._isolation = describe(settings)
        if not settings.enabled:
            return self.command
        readable = named_paths(self.command)
        if "XAUTHORITY" in self.env:
            readable.append(Path(self.env["XAUTHORITY"]))
        grants = SandboxGrants(read_only=tuple(readable),
                               writable=(X11_SOCKETS,) if X11_SOCKETS.is_dir() else ())
        return [*bwrap_arguments(settings, self.workdir.resolve(), grants), *self.command]

    async def start(self) -> None:
        self.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._started = time.monotonic()
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self._confined(), cwd=self.workdir, env=self.env, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                start_new_session=True)
        except OSError as error:
            self._start_error = f"cannot start the driver: {error.strerror or error}"
            return
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        while chunk := await self._process.stdout.read(4096):
            self._total += len(chunk)
            if len(self._output) < OUTPUT_KEPT_BYTES:
                self._output += chunk[:OUTPUT_KEPT_BYTES - len(self._output)]

    async def stop(self) -> dict[str, Any]:
        """Kill the driver's process group (if still running); write its redacted output."""
        process = self._process
        still_running = process is not None and process.returncode is None
        if process is not None and still_running:
            _kill_group(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), _STOP_GRACE_SECONDS)
            except TimeoutError:
                _kill_group(process.pid, signal.SIGKILL)
                await process.wait()
        if self._reader is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._reader, _STOP_GRACE_SECONDS)
        text = redact(self._output.decode("utf-8", "replace"), self.secrets)
        self.output_file.write_text(text, encoding="utf-8")
        return {
            "command": [redact(argument, self.secrets) for argument in self.command],
            "start_error": self._start_error,
            "exit_code": None if process is None else process.returncode,
            "stopped_by_kyso": still_running,
            "isolation": self._isolation,
            "seconds": round(time.monotonic() - self._started, 3),
            "output_file": self.output_file.name, "output_bytes": self._total,
        }


def _kill_group(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, number)


__all__ = ["DEFAULT_PROMPT_EN", "DEFAULT_PROMPT_VI", "DriverProcess", "prompt_text",
           "show_prompt"]
