"""Evidence, not a jail: the files a case changed where it should not have written.

After the run, the watched directories are scanned (depth 3, at most 20 000 entries) for
entries whose mtime or ctime is not older than the case's directory; the working and allowed
directories are scanned too, for output files that reached the size cap.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

SCAN_DEPTH = 3
_SCAN_ENTRIES = 20_000


def changed_files(roots: Sequence[Path], since_ns: int, excluded: Sequence[Path],
                  depth: int = SCAN_DEPTH) -> tuple[list[Path], bool]:
    """Non-directory entries under ``roots`` changed at or after ``since_ns`` (mtime or ctime),
    skipping ``excluded`` trees and symlinked directories; False if the scan was cut short."""
    skip = {str(path) for path in excluded}
    found: set[Path] = set()
    budget = _SCAN_ENTRIES
    stack = [(str(Path(root).resolve()), 0) for root in roots
             if not any(Path(root).resolve().is_relative_to(path) for path in excluded)]
    while stack:
        directory, level = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            budget -= 1
            if budget < 0:
                return sorted(found), False
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in skip and level + 1 < depth:
                        stack.append((entry.path, level + 1))
                    continue
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if max(status.st_mtime_ns, status.st_ctime_ns) >= since_ns:
                found.add(Path(entry.path))
    return sorted(found), True


__all__ = ["SCAN_DEPTH", "changed_files"]
