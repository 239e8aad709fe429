"""kyso's own version as a run records it: the release, and the source commit it ran from.

A lab merges the shards of one run (:mod:`.merge`) only when every shard ran the same kyso; two
shards from different commits of the same release would otherwise merge silently, and a
report would mix verdicts of two different suites. So a run from a git checkout records
``<release>+g<commit>`` (PEP 440's local version), with ``.dirty`` when tracked files differ from
that commit; an installed copy without its repository records the release alone.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
from functools import cache
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent
"""The checkout kyso runs from, if it is one (the repository's top level holds this package)."""

RELEASE = "0.1.0"
"""The release when no package metadata is installed (pyproject.toml's version)."""


@cache
def kyso_version() -> str:
    """``0.1.0+g1a2b3c4d5e6f`` from a clean checkout, ``….dirty`` from a changed one, else
    the release (computed once per process)."""
    commit = source_commit(SOURCE_ROOT)
    return f"{_release()}+g{commit}" if commit else _release()


def _release() -> str:
    try:
        return importlib.metadata.version("kyso-testbed")
    except importlib.metadata.PackageNotFoundError:
        return RELEASE


def _git(root: Path, *arguments: str) -> str | None:
    """One git query on ``root``; None when git or the checkout is missing."""
    try:
        done = subprocess.run(["git", "-C", str(root), *arguments], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_commit(root: Path) -> str | None:
    """The commit ``root`` is checked out at (``.dirty`` if tracked files changed), or None
    unless ``root`` is itself the top of a git checkout."""
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root.resolve():
        return None  # installed elsewhere, or inside somebody else's repository
    commit = _git(root, "rev-parse", "--short=12", "HEAD")
    if not commit:
        return None
    changed = _git(root, "status", "--porcelain", "--untracked-files=no")
    return f"{commit}.dirty" if changed else commit
