"""User-PIN lockout and "lost token" states that SoftHSM2 lacks, and the module enforcing them.

SoftHSM2 2.6 never locks a PIN, yet Decree 68/2024 scenarios need locked tokens (and their
restoration by the SO, Art. 22) and lost ones. The states must hold for *any* program that loads
a PKCS#11 module, not only for ours, so they are enforced in C by ``lockout_module.c``: a
forwarding PKCS#11 module in front of libsofthsm2.so (see the C file for the exact behaviour).

This module owns:

* building that C module with ``cc -shared -fPIC`` on first use, into a per-user cache directory
  keyed by the hash of the source and the build options (``$KYSO_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/kyso``, else ``~/.cache/kyso``), written atomically so parallel test
  processes can race safely;
* the environment variable names the module reads;
* the per-token state files it shares with the C module (``<lockout dir>/<serial>.state``,
  ``failures=N / max_tries=N / lost=0|1``, under ``flock``), used here to mark a token lost, to
  set its try limit and to report its state.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bilingual import say

from ..errors import TokenError

ENV_REAL_MODULE = "KYSO_REAL_PKCS11_MODULE"
"""The PKCS#11 module the lockout module forwards to."""
ENV_LOCKOUT_DIR = "KYSO_LOCKOUT_DIR"
"""The directory holding the per-token state files."""
ENV_MAX_PIN_TRIES = "KYSO_MAX_PIN_TRIES"
"""The try limit for tokens whose state file names none."""
DEFAULT_MAX_PIN_TRIES = 5
"""Consecutive wrong user PINs before a token locks, unless configured otherwise."""

_SOURCE_NAME = "lockout_module.c"
_LIBRARY_NAME = "libkyso-lockout.so"
_BUILD_FLAGS = ("-shared", "-fPIC", "-O2", "-fvisibility=hidden", "-Wall")
_BUILD_TIMEOUT_SECONDS = 60  # a cold compile takes well under a second; this only stops a hang


@dataclass(frozen=True)
class LockoutState:
    """One token's lockout state as the C module sees it."""

    failures: int = 0
    """Consecutive wrong user PINs since the last successful login or SO restore."""
    max_tries: int = DEFAULT_MAX_PIN_TRIES
    """Wrong PINs after which every user login answers CKR_PIN_LOCKED."""
    lost: bool = False
    """The holder no longer has the token: sessions and logins answer CKR_TOKEN_NOT_PRESENT."""

    @property
    def locked(self) -> bool:
        """True once the wrong-PIN counter has reached the limit."""
        return self.failures >= self.max_tries

    @property
    def tries_left(self) -> int:
        """User-PIN attempts left before the token locks."""
        return max(self.max_tries - self.failures, 0)


def state_file_name(serial: str) -> str:
    """The state file name for a token serial, sanitised exactly as the C module does."""
    cleaned = re.sub(r"[^A-Za-z0-9-]", "_", serial.replace(" ", "").replace("\0", ""))
    return f"{cleaned or 'no-serial'}.state"


class LockoutStore:
    """The per-token state files of one testbed (the directory named by ``KYSO_LOCKOUT_DIR``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, serial: str) -> Path:
        """The state file of the token with this serial."""
        return self.directory / state_file_name(serial)

    def read(self, serial: str) -> LockoutState:
        """The token's state; a token without a state file is unlocked and present."""
        path = self.path(serial)
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            return LockoutState()
        except OSError as err:
            raise TokenError(say(
                f"token {serial}: không đọc được trạng thái khóa mã PIN {path}: {err}",
                f"token {serial}: cannot read lockout state {path}: {err}")) from err
        return _parse_state(text)

    @contextmanager
    def _locked(self, serial: str) -> Iterator[tuple[int, LockoutState]]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.path(serial)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd, _parse_state(os.pread(fd, 512, 0).decode("ascii", "replace"))
        finally:
            os.close(fd)  # closing releases the flock

    def update(
        self,
        serial: str,
        *,
        failures: int | None = None,
        max_tries: int | None = None,
        lost: bool | None = None,
    ) -> LockoutState:
        """Change some fields of the token's state atomically; returns the new state."""
        if max_tries is not None and max_tries < 1:
            raise TokenError(say(
                f"token {serial}: số lần thử mã PIN tối đa phải ít nhất là 1, không phải "
                f"{max_tries}",
                f"token {serial}: max PIN tries must be at least 1, not {max_tries}"))
        with self._locked(serial) as (fd, state):
            new_state = LockoutState(
                failures=state.failures if failures is None else failures,
                max_tries=state.max_tries if max_tries is None else max_tries,
                lost=state.lost if lost is None else lost,
            )
            text = (
                f"failures={new_state.failures}\nmax_tries={new_state.max_tries}\n"
                f"lost={int(new_state.lost)}\n"
            )
            os.ftruncate(fd, 0)
            os.pwrite(fd, text.encode("ascii"), 0)
        return new_state

    def forget(self, serial: str) -> None:
        """Remove the token's state file (the token was deleted)."""
        self.path(serial).unlink(missing_ok=True)


def _parse_state(text: str) -> LockoutState:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in {"failures", "max_tries", "lost"} and value.strip().isdigit():
            values[key] = int(value)
    max_tries = values.get("max_tries", DEFAULT_MAX_PIN_TRIES) or DEFAULT_MAX_PIN_TRIES
    return LockoutState(
        failures=values.get("failures", 0), max_tries=max_tries, lost=bool(values.get("lost", 0))
    )


def _cache_root() -> Path:
    explicit = os.environ.get("KYSO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "kyso"
    home = Path.home()
    if home.is_dir() and os.access(home, os.W_OK):
        return home / ".cache" / "kyso"
    return Path(tempfile.gettempdir()) / f"kyso-cache-{os.getuid()}"


def lockout_module_source() -> bytes:
    """The C source of the lockout module, as shipped in this package."""
    return resources.files(__package__).joinpath(_SOURCE_NAME).read_bytes()


def build_lockout_module(real_module: Path, cache_dir: Path | None = None) -> Path:
    """The compiled lockout module forwarding to ``real_module``, building it if needed.

    The result is cached under a name derived from the source, the compiler flags and the real
    module's path, so an edited source is rebuilt and an unchanged one costs one ``stat``.
    Raises :class:`TokenError` when no C compiler is available or compilation fails.
    """
    source = lockout_module_source()
    define = f'-DKYSO_DEFAULT_REAL_MODULE="{real_module}"'
    digest = hashlib.sha256(source + "\0".join((*_BUILD_FLAGS, define)).encode()).hexdigest()
    target_dir = (cache_dir or _cache_root()) / f"lockout-{digest[:16]}"
    target = target_dir / _LIBRARY_NAME
    if target.is_file():
        return target
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        raise TokenError(say(
            "không dựng được mô-đun khóa mã PIN PKCS#11: không có trình biên dịch C (cc) trên "
            "PATH; hãy cài gcc (tools/system-deps.sh sẽ cài)",
            "cannot build the PKCS#11 lockout module: no C compiler (cc) on PATH; "
            "install gcc (tools/system-deps.sh does)",
        ))
    target_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".build-") as work:
        source_path = Path(work) / _SOURCE_NAME
        source_path.write_bytes(source)
        output = Path(work) / _LIBRARY_NAME
        command = [compiler, *_BUILD_FLAGS, define, "-o", str(output), str(source_path)]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=_BUILD_TIMEOUT_SECONDS
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise TokenError(say(
                f"không dựng được mô-đun khóa mã PIN PKCS#11 bằng {compiler}: {err}",
                f"cannot build the PKCS#11 lockout module with {compiler}: {err}",
            )) from err
        if result.returncode != 0:
            first_error = next(
                (line for line in result.stderr.splitlines() if "error" in line),
                result.stderr.strip()[:200],
            )
            raise TokenError(say(
                f"dựng mô-đun khóa mã PIN PKCS#11 thất bại ({compiler} thoát với mã "
                f"{result.returncode}): {first_error}",
                f"building the PKCS#11 lockout module failed ({compiler} exit "
                f"{result.returncode}): {first_error}",
            ))
        os.replace(output, target)  # atomic: a concurrent builder's identical file is fine
    return target
