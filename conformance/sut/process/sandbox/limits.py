"""What one sandboxed case may do: its time, output and file-size limits.

:class:`SandboxLimits` applies to every case; :class:`SandboxError` is the caller's mistake
(an impossible request), never the SUT's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass

from bilingual import say

MEBIBYTE = 1024 * 1024


class SandboxError(ValueError):
    """The caller asked for something impossible (empty command, working directory exists)."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-case limits; all of them apply to every case."""

    timeout_seconds: float = 60.0
    """Wall time from start until the process group is stopped (ERROR 'timeout')."""
    stdout_cap_bytes: int = MEBIBYTE
    """Bytes of stdout kept (the head); the rest is counted and discarded."""
    stderr_cap_bytes: int = 256 * 1024
    """Bytes of stderr kept (the tail); the rest is counted and discarded."""
    output_file_cap_bytes: int = 64 * MEBIBYTE
    """RLIMIT_FSIZE of the SUT: no file it writes can grow beyond this (SIGXFSZ)."""
    kill_grace_seconds: float = 2.0
    """Time between SIGTERM and SIGKILL to the process group when a case is stopped."""
    flood_kill_bytes: int = 256 * MEBIBYTE
    """Total stdout + stderr bytes after which the case is stopped as an output flood."""

    def __post_init__(self) -> None:
        for name in ("timeout_seconds", "stdout_cap_bytes", "stderr_cap_bytes",
                     "output_file_cap_bytes", "flood_kill_bytes"):
            if getattr(self, name) <= 0:
                raise SandboxError(say(f"SandboxLimits.{name} phải là số dương",
                                       f"SandboxLimits.{name} must be positive"))
        if self.kill_grace_seconds < 0:
            raise SandboxError(say("SandboxLimits.kill_grace_seconds không được âm",
                                   "SandboxLimits.kill_grace_seconds must not be negative"))


__all__ = ["MEBIBYTE", "SandboxError", "SandboxLimits"]
