"""The one redaction of the adapters' evidence: the case's secrets (its PINs) replaced by ``***``.

Shared by the process kinds (:mod:`conformance.sut.process.calls` redacts a SUT's whole printed
output before any of it is written or read) and the service kinds (every step's record, the
interaction driver's output), so both hide a PIN the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REDACTED = "***"
_LARGEST_FILE_SCANNED = 64 * 1024 * 1024  # the sandbox's output file cap


def redact(value: Any, secrets: list[str]) -> Any:
    """Every occurrence of a secret in the strings of ``value`` replaced by ``***``."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, list):
        return [redact(item, secrets) for item in value]
    if isinstance(value, dict):
        return {redact(str(key), secrets): redact(item, secrets) for key, item in value.items()}
    if isinstance(value, bytes):
        return redact(value.decode("utf-8", "replace"), secrets)
    return value


def redact_files(directory: Path, secrets: list[str]) -> list[str]:
    """Redact the secrets in every regular file under ``directory`` (a SUT's working
    directory, kept as evidence), byte for byte; returns the relative names of the files that
    held one. A program that writes its PIN into a log of its own leaves ``***`` there."""
    needles = [secret.encode("utf-8") for secret in secrets if secret]
    changed: list[str] = []
    if not needles:
        return changed
    for folder, _, names in os.walk(directory):
        for name in names:
            path = Path(folder) / name
            try:
                if path.is_symlink() or path.stat().st_size > _LARGEST_FILE_SCANNED:
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            redacted = data
            for needle in needles:
                redacted = redacted.replace(needle, REDACTED.encode())
            if redacted != data:
                path.write_bytes(redacted)
                changed.append(str(path.relative_to(directory)))
    return sorted(changed)


__all__ = ["REDACTED", "redact", "redact_files"]
