"""The one redaction of the adapters' evidence: the case's secrets (its PINs) replaced by ``***``.

Shared by the process kinds (:mod:`conformance.sut.process.calls` redacts a SUT's whole printed
output before any of it is written or read) and the service kinds (every step's record, the
interaction driver's output), so both hide a PIN the same way.
"""

from __future__ import annotations

from typing import Any

REDACTED = "***"


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


__all__ = ["REDACTED", "redact"]
