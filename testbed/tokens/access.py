"""What a third-party program needs to use a subscriber token, as a file and as text.

A signing program under test is told: which PKCS#11 module to load (the lockout module, so PIN
lockout and lost tokens behave as on a real device), which environment to export so the module
finds this testbed's tokens, and which token, key and certificate to use. The PIN is never part
of this description: it is referenced by the path of a separate PIN file (mode 0600) written
only when the caller asks for one with :func:`write_pin_file`.

:func:`open_token_library` is the other way round: how a program of kyso (the reference signer)
loads the module an access file names and finds its token, whether it is a testbed token or not.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pkcs11
from pkcs11.types import Token
from pydantic import BaseModel, ConfigDict, Field

from bilingual import say

from ..errors import TokenError
from .lockout import ENV_MAX_PIN_TRIES
from .softhsm import SoftHsm
from .token import SubscriberToken

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library  # noqa: N812 (python-pkcs11's class name)

ACCESS_FORMAT_VERSION = 1


class TokenAccess(BaseModel):
    """How to reach one subscriber token from another program (serialised as JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ACCESS_FORMAT_VERSION, description="Format version of this file.")
    module: str = Field(description="Absolute path of the PKCS#11 module to load.")
    env: dict[str, str] = Field(
        description="Environment variables to export before loading the module."
    )
    token_label: str = Field(description="CKA_LABEL of the token (select the token by it).")
    token_serial: str = Field(description="Serial number of the token.")
    key_label: str = Field(description="CKA_LABEL of the private key and public key.")
    key_id: str = Field(description="CKA_ID of the key pair and certificate, lowercase hex.")
    key_type: str = Field(description="rsa2048, rsa3072 or p256.")
    certificate_label: str = Field(description="CKA_LABEL of the subscriber certificate.")
    pkcs11_uri: str = Field(description="RFC 7512 URI of the private key.")
    pin_file: str | None = Field(
        None, description="Path of a file holding the user PIN (mode 0600), if one was written."
    )

    @classmethod
    def for_token(cls, token: SubscriberToken, *, pin_file: Path | None = None) -> TokenAccess:
        """The access description of ``token``; ``pin_file`` is referenced, never read."""
        key_id = token.key_id.hex()
        uri = (
            f"pkcs11:token={_uri_part(token.label)};object={_uri_part(token.label)};"
            f"id={_uri_part(token.key_id)};type=private"
        )
        return cls(
            module=str(token.softhsm.module_path),
            # the token's own PIN-try limit, not the installation's default: what a program
            # exporting this environment meets is what the access file says
            env={**token.softhsm.env(),
                 ENV_MAX_PIN_TRIES: str(token.lockout_state().max_tries)},
            token_label=token.label,
            token_serial=token.serial,
            key_label=token.label,
            key_id=key_id,
            key_type=token.key_type,
            certificate_label=token.label,
            pkcs11_uri=uri,
            pin_file=str(pin_file.resolve()) if pin_file is not None else None,
        )

    @classmethod
    def load(cls, path: Path) -> TokenAccess:
        """Read an access file written by :meth:`write`."""
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            detail = (str(err).splitlines() or [""])[0]
            raise TokenError(say(f"tệp truy cập token {path}: {detail}",
                                 f"token access file {path}: {detail}")) from err

    def to_json(self) -> str:
        """The JSON form (indented, stable key order)."""
        return json.dumps(self.model_dump(), indent=2, ensure_ascii=False) + "\n"

    def write(self, path: Path) -> Path:
        """Write the JSON form to ``path``; returns the path."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.to_json(), encoding="utf-8")
        except OSError as err:
            raise TokenError(say(f"token {self.token_label!r}: không ghi được {path}: {err}",
                                 f"token {self.token_label!r}: cannot write {path}: {err}")) \
                from err
        return path

    def sandbox_paths(self) -> tuple[list[Path], list[Path]]:
        """What a program needs to use this token and nothing of the testbed's other tokens:
        (read-only, writable). Read-only: the module, the SoftHSM configuration and the real
        module; writable: this token's own store (SoftHSM locks and rewrites its object files)
        and the PIN-try state. For a module kyso does not know, every path its environment
        names (read-only)."""
        read_only = [Path(self.module)]
        softhsm = SoftHsm.for_environment(self.env, self.module)
        if softhsm is None:
            return read_only + [Path(value) for value in self.env.values()
                                if value.startswith("/") and Path(value).exists()], []
        store = softhsm.token_store(self.token_label)
        read_only += [softhsm.conf_path, softhsm.real_module]
        return read_only, [path for path in (store, softhsm.lockout.directory) if path]

    def with_pin_try_limit(self, limit: int) -> TokenAccess:
        """The same access, its environment naming the token's own PIN-try limit ``limit``
        (read from the token's lockout state). An access file written by an older kyso names
        no limit, or the installation's default, which is not what the token enforces."""
        return self.model_copy(update={"env": {**self.env, ENV_MAX_PIN_TRIES: str(limit)}})

    def process_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) plus the variables to export."""
        return {**(dict(os.environ) if base is None else base), **self.env}

    def text(self) -> str:
        """A human-readable form: exports, names and an example pkcs11-tool command."""
        exports = "\n".join(
            f"export {name}={shlex.quote(value)}" for name, value in self.env.items()
        )
        pin = self.pin_file or "(no PIN file written; ask the testbed operator)"
        return (
            f"PKCS#11 module : {self.module}\n"
            f"token label    : {self.token_label} (serial {self.token_serial})\n"
            f"key            : label {self.key_label}, id {self.key_id}, type {self.key_type}\n"
            f"certificate    : label {self.certificate_label}\n"
            f"PKCS#11 URI    : {self.pkcs11_uri}\n"
            f"user PIN file  : {pin}\n"
            f"environment:\n{exports}\n"
            "example:\n"
            f"  pkcs11-tool --module {shlex.quote(self.module)} "
            f"--token-label {shlex.quote(self.token_label)} --login --list-objects\n"
        )


def write_pin_file(path: Path, pin: str) -> Path:
    """Write ``pin`` to ``path`` with mode 0600: the one place a PIN may be put in a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: force it
            os.write(fd, pin.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as err:
        raise TokenError(say(f"không ghi được tệp mã PIN {path}: {err}",
                             f"cannot write PIN file {path}: {err}")) from err
    return path


def open_token_library(access: TokenAccess, module: str
                       ) -> tuple[Pkcs11Library, Callable[[str], Token]]:
    """(python-pkcs11 library, find-token-by-label function) for ``access``, loading ``module``.

    python-pkcs11 keeps one initialised library per module path per process, and the module
    reads its environment once, at C_Initialize. A kyso testbed token (``module`` is the access
    file's own, and its environment describes a testbed's SoftHSM) is therefore reached through
    :class:`~.softhsm.SoftHsm`, which keeps that one library coherent when a process (a test
    run) has loaded it for this or another testbed directory. Any other module (e.g. pkcs11-spy
    in front of it) is loaded directly, after exporting the environment the access file asks
    for.
    """
    softhsm = SoftHsm.for_environment(access.env, module) if module == access.module else None
    if softhsm is not None:
        return softhsm.lib(), softhsm.find_token
    os.environ.update(access.env)  # before the first load: the module reads it at C_Initialize
    library = pkcs11.lib(module)

    def find(label: str) -> Token:
        try:
            return library.get_token(token_label=label)
        except pkcs11.NoSuchToken:
            raise TokenError(say(f"token {label!r}: không có token này",
                                 f"token {label!r}: no such token")) from None

    return library, find


def _uri_part(value: str | bytes) -> str:
    """Percent-encode a PKCS#11 URI path attribute value (RFC 7512 section 2.3)."""
    if isinstance(value, bytes):
        return "".join(f"%{byte:02x}" for byte in value)
    return quote(value, safe="-._~:[]@!$'()*+,=")
