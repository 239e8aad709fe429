"""The PIN file a wrong-PIN case hands the signer under test (``sign`` with ``pin: wrong``).

Kept apart from the player: it is the one place a story writes a secret-shaped file, with the
permissions a PIN file has (0600)."""

from __future__ import annotations

from pathlib import Path


def wrong_pin_file(right: Path, workdir: Path) -> Path:
    """A PIN file (mode 0600) in ``workdir`` holding a PIN that is not the one in ``right``."""
    pin = right.read_text(encoding="utf-8").strip()
    wrong = "0000" if pin != "0000" else "1111"
    path = workdir / "wrong-pin.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(wrong + "\n", encoding="utf-8")
    return path
