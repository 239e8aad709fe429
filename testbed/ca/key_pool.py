"""The key pool: one software key per role, generated once per process and reused by every
testbed the process builds.

Generating the twelve RSA-2048 keys of a fresh hierarchy was two thirds of a testbed's start
(and a third of a whole conformance run, issue 22). A testbed's keys need to be distinct from
one another, not from another testbed's: so a key is looked up by its *role* (the key label,
e.g. ``root-cv``, ``ca-cv-ocsp``, ``ca-cv-tsa-2``, ``nguyen-van-an-1``) and its type, and the
same role gets the same key in every testbed of the run. Distinct labels get distinct keys, so
what must be new within a testbed still is: a re-issue after revocation certifies the key of a
new label (``an-2``), a TSA's renewal the key of ``ca-cv-tsa-2``.

Never from the pool: a subscriber's token key (generated on the SoftHSM token, never
extractable: Decree 68; the testbed only ever sees its public half), and any key when the pool
is switched off (:func:`key_pool_disabled`, or ``KYSO_KEY_POOL=0`` in the environment).

A pool may keep its keys on disk (:func:`key_pool_directory`) so that the worker processes
of one run share them: only ever a directory inside the run's private runtime directory
(:func:`testbed.runtime_directory`), never the output folder; files are PKCS#8 PEM, mode 0600,
and no key is ever logged or reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from .key_types import KeyType

KEY_POOL_DIR = "key-pool"
"""The pool's directory inside a run's private runtime directory."""

DISABLE_VARIABLE = "KYSO_KEY_POOL"
"""``KYSO_KEY_POOL=0`` (or ``off``/``no``/``false``): every key generated fresh."""


def generate_private_key(key_type: KeyType) -> PrivateKeyTypes:
    """A new private key of the given type."""
    if key_type in (KeyType.P256, KeyType.P384):
        curve = ec.SECP256R1() if key_type is KeyType.P256 else ec.SECP384R1()
        return ec.generate_private_key(curve)
    bits = int(key_type.value.removeprefix("rsa"))
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem_of(key: PrivateKeyTypes) -> bytes:
    """PKCS#8 PEM, unencrypted (a test PKI)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class KeyPool:
    """Keys by (role, type): the first request generates (or reads from ``directory``), every
    later one returns the same key and its PEM bytes."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._keys: dict[tuple[str, KeyType], tuple[PrivateKeyTypes, bytes]] = {}
        self._lock = threading.Lock()

    def key(self, role: str, key_type: KeyType) -> tuple[PrivateKeyTypes, bytes]:
        """The key of ``role`` and its PKCS#8 PEM bytes."""
        with self._lock:
            held = self._keys.get((role, key_type))
            if held is None:
                held = self._on_disk(role, key_type) or self._generated(role, key_type)
                self._keys[(role, key_type)] = held
        return held

    def __len__(self) -> int:
        return len(self._keys)

    def _file(self, role: str, key_type: KeyType) -> Path | None:
        if self.directory is None:
            return None
        # a hash, not the label, names the file: labels come from scenario files
        digest = hashlib.sha256(role.encode()).hexdigest()[:32]
        return self.directory / f"{key_type.value}-{digest}.key.pem"

    def _on_disk(self, role: str, key_type: KeyType) -> tuple[PrivateKeyTypes, bytes] | None:
        path = self._file(role, key_type)
        if path is None or not path.exists():
            return None
        pem_bytes = path.read_bytes()
        key = serialization.load_pem_private_key(pem_bytes, password=None,
                                                 unsafe_skip_rsa_key_validation=True)
        return key, pem_bytes

    def _generated(self, role: str, key_type: KeyType) -> tuple[PrivateKeyTypes, bytes]:
        key = generate_private_key(key_type)
        pem_bytes = pem_of(key)
        path = self._file(role, key_type)
        if path is None:
            return key, pem_bytes
        path.parent.mkdir(mode=0o700, exist_ok=True)  # no parents: the run's directory exists
        # written whole under a private name, then linked in: another worker never sees the
        # file half-written (it did with O_EXCL then write: "MalformedFraming"), and when two
        # race, the first link wins and both use that key
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as file:  # mkstemp: mode 0600
                file.write(pem_bytes)
            os.link(partial, path)
        except FileExistsError:
            return self._on_disk(role, key_type) or (key, pem_bytes)
        finally:
            os.unlink(partial)
        return key, pem_bytes


_pool: KeyPool | None = KeyPool()
_pool_lock = threading.Lock()


def active_key_pool() -> KeyPool | None:
    """The process's pool; None when keys are to be generated fresh every time."""
    if os.environ.get(DISABLE_VARIABLE, "").strip().lower() in ("0", "off", "no", "false"):
        return None
    return _pool


def set_key_pool(pool: KeyPool | None) -> KeyPool | None:
    """Make ``pool`` the process's pool (None: no pool); the previous one."""
    global _pool
    with _pool_lock:
        previous, _pool = _pool, pool
    return previous


@contextlib.contextmanager
def key_pool_disabled() -> Iterator[None]:
    """Every key generated fresh inside the block (benchmarks: the cost of a fresh hierarchy)."""
    previous = set_key_pool(None)
    try:
        yield
    finally:
        set_key_pool(previous)


@contextlib.contextmanager
def key_pool_directory(directory: Path) -> Iterator[None]:
    """Inside the block, keep the pool's keys in ``directory`` (a directory inside the run's
    private runtime directory, made 0700) so that the run's worker processes share them; the
    process's previous pool is back after it. With the pool switched off, nothing changes."""
    held = active_key_pool()
    if held is None:
        yield
        return
    pool = KeyPool(directory)
    pool._keys.update(held._keys)  # noqa: SLF001 (the keys the process holds stay the same)
    previous = set_key_pool(pool)
    try:
        yield
    finally:
        set_key_pool(previous)


__all__ = ["DISABLE_VARIABLE", "KEY_POOL_DIR", "KeyPool", "active_key_pool", "generate_private_key",
           "key_pool_directory", "key_pool_disabled", "set_key_pool"]
