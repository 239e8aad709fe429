"""What of a testbed is secret, and copying out the rest: the one place that knows.

A testbed's secrets are its CA and software private keys (``keys/*.key.pem``), its tokens' PIN
files (``tokens/*.pin``, ``tokens/*.so-pin``) and its SoftHSM installation (the token store
holding the subscribers' keys, :func:`~.token_lifecycle.softhsm_directory`). Everything else
(certificates, CRLs, the registry (``registry.sqlite`` and its export ``registry.json``), trust
anchors, the tokens' public access files, the TSA log) is evidence a vendor may be handed. A
conformance run builds its testbeds in the private runtime directory (:mod:`.runtime_dir`) and
:func:`publish_testbed` copies the evidence into the output folder, so no secret is ever written
there.
"""

from __future__ import annotations

import shutil
from fnmatch import fnmatch
from pathlib import Path

from .token_lifecycle import softhsm_directory

SECRET_FILES = ("keys/*.key.pem", "tokens/*.pin", "tokens/*.so-pin")
"""Secret files, as patterns relative to the testbed directory."""


def is_secret(testbed_directory: Path, path: Path) -> bool:
    """Whether ``path`` (inside ``testbed_directory``) is or lies inside a secret."""
    hsm = softhsm_directory(testbed_directory)
    if path == hsm or hsm in path.parents:
        return True
    relative = path.relative_to(testbed_directory).as_posix()
    return any(fnmatch(relative, pattern) for pattern in SECRET_FILES)


def publish_testbed(source: Path, destination: Path) -> Path:
    """Copy the public part of the testbed in ``source`` to ``destination`` (created; its
    former content stays unless overwritten); nothing when ``source`` holds nothing."""
    if not source.is_dir():
        return destination

    def secrets_here(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if is_secret(source, Path(folder) / name)}

    shutil.copytree(source, destination, ignore=secrets_here, dirs_exist_ok=True)
    return destination


__all__ = ["SECRET_FILES", "is_secret", "publish_testbed"]
