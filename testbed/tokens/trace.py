"""PKCS#11 call traces of a program's session, through OpenSC's pkcs11-spy, with PINs redacted.

pkcs11-spy is a PKCS#11 module that forwards to the module named in ``PKCS11SPY`` and logs
every call, with arguments, to ``PKCS11SPY_OUTPUT``. A program under test loads the spy
instead of the lockout module (the spy forwards to the lockout module, so locks still apply),
and the trace shows what it really did with the token: that it called C_Sign, and that it never
asked for private key material (C_GetAttributeValue of CKA_VALUE or the RSA private components
on a private key) nor C_WrapKey.

The spy prints PINs in full (C_Login, C_SetPIN, C_InitPIN, C_InitToken). So that no PIN ever
reaches a file, the spy writes into a FIFO; a reader thread redacts PIN arguments line by line
and only then writes the trace that is kept. Use :class:`SpyTrace` around however the program
is started (a sandbox, say), or :func:`run_traced` for a plain subprocess.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from bilingual import say

from ..errors import TokenError

_SPY_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
    "/usr/lib/*/pkcs11/pkcs11-spy.so",
    "/usr/lib/pkcs11/pkcs11-spy.so",
    "/usr/lib64/pkcs11/pkcs11-spy.so",
)
REDACTED = "<redacted>"

_CALL = re.compile(r"^(\d+): (C_\w+)\s*$")
_PIN_ARGUMENT = re.compile(r"^\[in\] (p\w*Pin)\b")
_HEX_DUMP = re.compile(r"^\s+[0-9A-Fa-f]{8}  ")
_TEMPLATE_ENTRY = re.compile(r"^\s{4}(CKA_\w+)\s*(\S*)")
_HANDLE = re.compile(r"^\[(?:in|out)\] (h\w+|\*?ph\w+) = (0x[0-9A-Fa-f]+)")
_MATCH = re.compile(r"^Object (0x[0-9A-Fa-f]+) matches")
_RETURNED = re.compile(r"^Returned:\s+\d+ (CKR_\w+)")

PRIVATE_COMPONENTS = frozenset(
    {
        "CKA_PRIVATE_EXPONENT",
        "CKA_PRIME_1",
        "CKA_PRIME_2",
        "CKA_EXPONENT_1",
        "CKA_EXPONENT_2",
        "CKA_COEFFICIENT",
    }
)
"""Attributes that only ever hold private key material."""


def spy_module() -> Path:
    """OpenSC's pkcs11-spy module; :class:`TokenError` if opensc is not installed."""
    for pattern in _SPY_CANDIDATES:
        for candidate in sorted(glob.glob(pattern)):
            return Path(candidate)
    raise TokenError(say("không tìm thấy pkcs11-spy.so; hãy cài gói Debian opensc",
                         "pkcs11-spy.so not found; install Debian package opensc"))


class _Redactor:
    """Drops PIN arguments (and the hex dump lines that follow them) from spy output."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._in_pin_dump = False
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def line(self, text: str) -> str | None:
        pin = _PIN_ARGUMENT.match(text)
        if pin:
            self._in_pin_dump = True
            return f"[in] {pin.group(1)} = {REDACTED}\n"
        if self._in_pin_dump and _HEX_DUMP.match(text):
            return None
        self._in_pin_dump = False
        for secret in self._secrets:  # belt and braces: PINs the caller knows, anywhere
            text = text.replace(secret, REDACTED)
        return text


def redact(trace_text: str, secrets: Iterable[str] = ()) -> str:
    """``trace_text`` with PIN arguments and any of ``secrets`` removed."""
    redactor = _Redactor(secrets)
    kept = (redactor.line(line) for line in trace_text.splitlines(keepends=True))
    return "".join(line for line in kept if line is not None)


@dataclass
class TraceSummary:
    """What a trace shows about the program's use of the token."""

    calls: list[str] = field(default_factory=list)
    """Function names in call order."""
    sign_calls: int = 0
    """C_Sign / C_SignFinal calls that returned CKR_OK."""
    logins: list[str] = field(default_factory=list)
    """Return values of the C_Login calls."""
    private_key_reads: list[str] = field(default_factory=list)
    """C_GetAttributeValue requests for private key material, as ``handle:attribute``."""
    wrap_calls: list[str] = field(default_factory=list)
    """Handles of keys passed to C_WrapKey."""

    @property
    def signed(self) -> bool:
        """At least one successful C_Sign/C_SignFinal."""
        return self.sign_calls > 0

    @property
    def tried_key_extraction(self) -> bool:
        """Asked for private key material or to wrap a key."""
        return bool(self.private_key_reads or self.wrap_calls)


def parse_trace(trace_text: str) -> TraceSummary:
    """Summarise a pkcs11-spy trace (redacted or not)."""
    summary = TraceSummary()
    private_handles: set[str] = set()
    blocks: list[tuple[str, list[str]]] = []
    for line in trace_text.splitlines():
        call = _CALL.match(line)
        if call:
            blocks.append((call.group(2), []))
        elif blocks:
            blocks[-1][1].append(line)

    finding_private = False
    for name, lines in blocks:
        summary.calls.append(name)
        returned = next((m.group(1) for m in map(_RETURNED.match, lines) if m), "")
        handles = {m.group(1).lstrip("*"): m.group(2) for m in map(_HANDLE.match, lines) if m}
        if name == "C_FindObjectsInit":
            finding_private = any(
                (m := _TEMPLATE_ENTRY.match(line))
                and m.groups() == ("CKA_CLASS", "CKO_PRIVATE_KEY")
                for line in lines
            )
        elif name == "C_FindObjects" and finding_private:
            private_handles.update(m.group(1) for m in map(_MATCH.match, lines) if m)
        elif name == "C_GenerateKeyPair" and "phPrivateKey" in handles:
            private_handles.add(handles["phPrivateKey"])
        elif name == "C_GenerateKeyPair" and "hPrivateKey" in handles:
            private_handles.add(handles["hPrivateKey"])
        elif name in ("C_SignInit", "C_SignRecoverInit") and "hKey" in handles:
            private_handles.add(handles["hKey"])
        elif name in ("C_Sign", "C_SignFinal") and returned == "CKR_OK":
            summary.sign_calls += 1
        elif name == "C_Login":
            summary.logins.append(returned)
        elif name == "C_WrapKey":
            summary.wrap_calls.append(handles.get("hKey", "?"))
        elif name == "C_GetAttributeValue":
            handle = handles.get("hObject", "?")
            requested = _requested_attributes(lines)
            if ("CKA_CLASS", "CKO_PRIVATE_KEY") in _returned_attributes(lines):
                private_handles.add(handle)
            for attribute in requested:
                if attribute in PRIVATE_COMPONENTS or (
                    attribute == "CKA_VALUE" and handle in private_handles
                ):
                    summary.private_key_reads.append(f"{handle}:{attribute}")
    return summary


def _requested_attributes(lines: Sequence[str]) -> list[str]:
    names: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("[in] pTemplate"):
            inside = True
        elif line.startswith("[") or line.startswith("Returned"):
            inside = False
        elif inside and (m := _TEMPLATE_ENTRY.match(line)):
            names.append(m.group(1))
    return names


def _returned_attributes(lines: Sequence[str]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    inside = False
    for line in lines:
        if line.startswith("[out] pTemplate"):
            inside = True
        elif line.startswith("[") or line.startswith("Returned"):
            inside = False
        elif inside and (m := _TEMPLATE_ENTRY.match(line)):
            pairs.add((m.group(1), m.group(2)))
    return pairs


class SpyTrace:
    """Collects a redacted pkcs11-spy trace while a program runs.

    ::

        with SpyTrace(access.module, trace_path, secrets=[pin]) as spy:
            run(["pkcs11-tool", "--module", str(spy.module), ...], env={**env, **spy.env})
        summary = spy.summary()

    ``target_module`` is the module the spy forwards to (normally the lockout module); the
    program must load :attr:`module` (the spy) instead. Only the redacted trace is written to
    ``trace_path``; the spy's raw output goes through a FIFO in a private temporary directory.
    """

    _JOIN_SECONDS = 10.0  # a program's stray child holding the FIFO open must not hang us

    def __init__(
        self, target_module: Path, trace_path: Path, *, secrets: Iterable[str] = ()
    ) -> None:
        self.target_module = target_module
        self.trace_path = trace_path
        self.module = spy_module()
        self._redactor = _Redactor(secrets)
        self._workdir: str | None = None
        self._keep_open: int | None = None
        self._thread: threading.Thread | None = None
        self.env: dict[str, str] = {}

    def __enter__(self) -> SpyTrace:
        self._workdir = tempfile.mkdtemp(prefix="kyso-spy-")  # mode 0700
        fifo = Path(self._workdir) / "pkcs11-spy.fifo"
        os.mkfifo(fifo, 0o600)
        read_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        # Our own writer end keeps the reader from seeing end-of-file before the program opens
        # the FIFO; it is closed in __exit__, after the program has finished.
        self._keep_open = os.open(fifo, os.O_WRONLY)
        os.set_blocking(read_fd, True)
        self.trace_path.parent.mkdir(parents=True, exist_ok=True)
        output = self.trace_path.open("w", encoding="utf-8")
        reader = os.fdopen(read_fd, "r", encoding="utf-8", errors="replace")
        self._thread = threading.Thread(
            target=self._pump, args=(reader, output), name="pkcs11-spy-reader", daemon=True
        )
        self._thread.start()
        self.env = {"PKCS11SPY": str(self.target_module), "PKCS11SPY_OUTPUT": str(fifo)}
        return self

    def _pump(self, reader: IO[str], output: IO[str]) -> None:
        with reader, output:
            for line in reader:
                kept = self._redactor.line(line)
                if kept is not None:
                    output.write(kept)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._keep_open is not None:
            os.close(self._keep_open)
            self._keep_open = None
        if self._thread is not None:
            self._thread.join(self._JOIN_SECONDS)
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def summary(self) -> TraceSummary:
        """Parse the redacted trace written so far."""
        return parse_trace(self.trace_path.read_text(encoding="utf-8"))


@dataclass
class TracedRun:
    """A finished program run and its trace."""

    returncode: int
    stdout: str
    stderr: str
    trace_path: Path
    summary: TraceSummary


def run_traced(
    command: Sequence[str],
    *,
    target_module: Path,
    env: Mapping[str, str],
    trace_path: Path,
    secrets: Iterable[str] = (),
    timeout: float = 60.0,
) -> TracedRun:
    """Run ``command`` with the spy in front of ``target_module``; ``{module}`` in an argument
    is replaced by the spy's path. For tests and manual checks: programs under test are started
    by the conformance sandbox, which uses :class:`SpyTrace` directly."""
    with SpyTrace(target_module, trace_path, secrets=secrets) as spy:
        argv = [part.replace("{module}", str(spy.module)) for part in command]
        try:
            result = subprocess.run(
                argv, env={**env, **spy.env}, capture_output=True, text=True, timeout=timeout
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise TokenError(say(f"chạy {argv[0]} có ghi vết thất bại: {err}",
                                 f"traced run of {argv[0]} failed: {err}")) from err
    return TracedRun(result.returncode, result.stdout, result.stderr, trace_path, spy.summary())
