"""The only door to SoftHSM2: its configuration file, token directory, library and utility.

A testbed directory gets its own ``softhsm2.conf`` (tokens under ``<dir>/softhsm-tokens``, file
object store, errors-only logging) and its own lockout state directory
(``<dir>/softhsm-lockout``). Every program -- this process, ``pkcs11-tool``, a program under
test -- reaches the tokens through the lockout module (see :mod:`.lockout`), with the
environment from :meth:`SoftHsm.env`.

SoftHSM pitfalls this module absorbs:

* ``SOFTHSM2_CONF`` is read at C_Initialize, and python-pkcs11 keeps one initialised library per
  path per process. :meth:`SoftHsm.lib` therefore sets the environment before the first load,
  and when a process switches from one testbed directory to another it re-initialises the
  library (which closes every open session of the previous testbed). One testbed per process is
  the normal case; two directories used by two processes never see each other's tokens.
* Tokens created on disk by another process stay invisible until re-initialisation:
  :meth:`SoftHsm.find_token` re-initialises once before declaring a label unknown. Tokens
  created here use in-process C_InitToken and are visible at once.
* Slot IDs are random and there is always one extra empty slot: tokens are found by label.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pkcs11
from pkcs11.constants import TokenFlag
from pkcs11.types import Token

from bilingual import say

from ..errors import TokenError
from .cryptoki import CKR_OK, Cryptoki, return_value_name
from .lockout import (
    DEFAULT_MAX_PIN_TRIES,
    ENV_LOCKOUT_DIR,
    ENV_MAX_PIN_TRIES,
    ENV_REAL_MODULE,
    LockoutStore,
    build_lockout_module,
)

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as Pkcs11Library  # noqa: N812 (python-pkcs11's class name)

SOFTHSM_MODULE = Path(os.environ.get("KYSO_SOFTHSM_MODULE", "/usr/lib/softhsm/libsofthsm2.so"))
"""SoftHSM2's PKCS#11 module (Debian path; ``KYSO_SOFTHSM_MODULE`` overrides it)."""
ENV_SOFTHSM_CONF = "SOFTHSM2_CONF"
_UTIL_TIMEOUT_SECONDS = 30
_LABEL_BYTES = 32

_process_lock = threading.RLock()
_active_conf: Path | None = None  # the testbed whose configuration this process's library uses


class SoftHsm:
    """One testbed directory's SoftHSM2 installation.

    ``SoftHsm(base_dir)`` writes ``<base_dir>/softhsm2.conf`` and creates the token and lockout
    directories; nothing is loaded until :meth:`lib` is called.
    """

    def __init__(
        self,
        base_dir: Path | str,
        *,
        max_pin_tries: int = DEFAULT_MAX_PIN_TRIES,
        real_module: Path = SOFTHSM_MODULE,
    ) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.conf_path = self.base_dir / "softhsm2.conf"
        self.token_dir = self.base_dir / "softhsm-tokens"
        self.lockout = LockoutStore(self.base_dir / "softhsm-lockout")
        self.max_pin_tries = max_pin_tries
        self.real_module = real_module
        self._module_path: Path | None = None
        self._cryptoki: Cryptoki | None = None
        self._write_config()

    def __repr__(self) -> str:
        return f"SoftHsm({str(self.base_dir)!r})"

    @classmethod
    def for_environment(cls, env: Mapping[str, str], module: str) -> SoftHsm | None:
        """The testbed SoftHSM a token access describes, or None if it describes another one.

        ``env`` is the environment a token access file asks a program to export, ``module``
        the PKCS#11 module it loads. They describe a kyso testbed token when ``env`` names a
        SoftHSM configuration and the real module, ``module`` is that installation's lockout
        module, and ``env`` is exactly its environment; any other module (a vendor's, or a
        hand-edited environment) gets None.
        """
        if ENV_SOFTHSM_CONF not in env or ENV_REAL_MODULE not in env:
            return None
        softhsm = cls(Path(env[ENV_SOFTHSM_CONF]).parent,
                      max_pin_tries=int(env.get(ENV_MAX_PIN_TRIES, "5")),
                      real_module=Path(env[ENV_REAL_MODULE]))
        if softhsm.module_path == Path(module) and softhsm.env() == env:
            return softhsm
        return None

    def _write_config(self) -> None:
        try:
            self.token_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.lockout.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            text = (
                "# written by kyso testbed/tokens/softhsm.py for this testbed only\n"
                f"directories.tokendir = {self.token_dir}\n"
                "objectstore.backend = file\n"
                "log.level = ERROR\n"
                "slots.removable = false\n"
            )
            if not self.conf_path.is_file() or self.conf_path.read_text() != text:
                self.conf_path.write_text(text)
        except OSError as err:
            raise TokenError(say(
                f"không ghi được cấu hình SoftHSM trong {self.base_dir}: {err}",
                f"cannot write SoftHSM configuration in {self.base_dir}: {err}",
            )) from err

    @property
    def module_path(self) -> Path:
        """The PKCS#11 module every program must load: the lockout module over SoftHSM."""
        if self._module_path is None:
            if not self.real_module.is_file():
                raise TokenError(say(
                    f"không tìm thấy mô-đun SoftHSM2 {self.real_module}; hãy cài gói Debian "
                    "softhsm2",
                    f"SoftHSM2 module {self.real_module} not found; install Debian package "
                    "softhsm2",
                ))
            self._module_path = build_lockout_module(self.real_module)
        return self._module_path

    def token_store(self, label: str) -> Path | None:
        """The directory of the token labelled ``label`` in the file object store (SoftHSM
        names it by a UUID; the label, space-padded to 32 bytes, is in its ``token.object``),
        or None. Lets a sandbox hand a program its own token and none of the others."""
        padded = label.encode("utf-8")[:_LABEL_BYTES].ljust(_LABEL_BYTES, b" ")
        for token_object in sorted(self.token_dir.glob("*/token.object")):
            try:
                if padded in token_object.read_bytes():
                    return token_object.parent
            except OSError:
                continue
        return None

    def env(self) -> dict[str, str]:
        """The variables a child process needs (besides the module path) to see these tokens."""
        return {
            ENV_SOFTHSM_CONF: str(self.conf_path),
            ENV_LOCKOUT_DIR: str(self.lockout.directory),
            ENV_REAL_MODULE: str(self.real_module),
            ENV_MAX_PIN_TRIES: str(self.max_pin_tries),
        }

    def lib(self) -> Pkcs11Library:
        """This process's python-pkcs11 library, initialised for this testbed.

        Switching to another testbed directory re-initialises the library, closing every
        session opened for the previous one.
        """
        global _active_conf
        module = str(self.module_path)
        with _process_lock:
            if _active_conf != self.conf_path:
                os.environ.update(self.env())
                library = pkcs11.lib(module)  # first load: C_Initialize reads the env just set
                if _active_conf is not None:
                    library.reinitialize()
                _active_conf = self.conf_path
                return library
            return pkcs11.lib(module)

    def refresh(self) -> None:
        """Re-read the token directory (closes this process's open sessions on these tokens)."""
        with _process_lock:
            self.lib().reinitialize()

    def cryptoki(self) -> Cryptoki:
        """Raw calls (C_InitToken, C_Login) into the same loaded module as :meth:`lib`."""
        self.lib()
        if self._cryptoki is None:
            self._cryptoki = Cryptoki(self.module_path)
        return self._cryptoki

    def token_labels(self) -> list[str]:
        """Labels of the initialised tokens this process sees, in slot order."""
        labels = []
        for slot in self.lib().get_slots(token_present=True):
            token = slot.get_token()
            if token.flags & TokenFlag.TOKEN_INITIALIZED:
                labels.append(token.label)
        return labels

    def find_token(self, label: str) -> Token:
        """The python-pkcs11 token with this label; re-reads the token directory once if unseen."""
        for attempt in range(2):
            try:
                return self.lib().get_token(token_label=label)
            except pkcs11.NoSuchToken:
                if attempt == 0:
                    self.refresh()  # perhaps created by another process since we initialised
            except pkcs11.MultipleTokensReturned as err:
                raise TokenError(say(f"token {label!r}: nhiều token cùng mang nhãn này",
                                     f"token {label!r}: several tokens carry this label")) \
                    from err
        raise TokenError(say(f"token {label!r}: không có token này trong {self.token_dir}",
                             f"token {label!r}: no such token in {self.token_dir}"))

    def init_token(self, label: str, *, so_pin: str, user_pin: str) -> str:
        """Initialise a new token in the free slot, set its user PIN; returns its serial."""
        if not label or len(label.encode("utf-8")) > _LABEL_BYTES:
            raise TokenError(say(f"token {label!r}: nhãn phải dài từ 1 đến 32 byte UTF-8",
                                 f"token {label!r}: a label must be 1 to 32 bytes of UTF-8"))
        if label in self.token_labels():
            raise TokenError(say(f"token {label!r}: đã có một token mang nhãn này",
                                 f"token {label!r}: a token with this label already exists"))
        free = [
            slot
            for slot in self.lib().get_slots(token_present=True)
            if not slot.get_token().flags & TokenFlag.TOKEN_INITIALIZED
        ]
        if not free:
            raise TokenError(say(f"token {label!r}: SoftHSM không còn khe (slot) trống",
                                 f"token {label!r}: SoftHSM offers no free slot"))
        with _process_lock:
            rv = self.cryptoki().init_token(free[0].slot_id, so_pin, label)
        if rv != CKR_OK:
            code = return_value_name(rv)
            raise TokenError(say(f"token {label!r}: C_InitToken thất bại với mã {code}",
                                 f"token {label!r}: C_InitToken failed with {code}"))
        token = self.find_token(label)
        try:
            with token.open(rw=True, so_pin=so_pin) as session:
                session.init_pin(user_pin)
        except pkcs11.PKCS11Error as err:
            raise TokenError(say(f"token {label!r}: đặt mã PIN người dùng thất bại: {err!r}",
                                 f"token {label!r}: setting the user PIN failed: {err!r}")) \
                from err
        serial = str(token.serial.decode("ascii", "replace")).strip()
        self.lockout.update(serial, failures=0, max_tries=self.max_pin_tries, lost=False)
        return serial

    def delete_token(self, serial: str) -> None:
        """Delete a token and its lockout state (closes this process's sessions on all tokens)."""
        env = {**os.environ, **self.env()}
        try:
            result = subprocess.run(
                ["softhsm2-util", "--delete-token", "--serial", serial],
                env=env,
                capture_output=True,
                text=True,
                timeout=_UTIL_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.TimeoutExpired) as err:
            raise TokenError(say(f"token {serial}: softhsm2-util --delete-token thất bại: {err}",
                                 f"token {serial}: softhsm2-util --delete-token failed: {err}")) \
                from err
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip().splitlines()
            detail = message[-1] if message else f"exit {result.returncode}"
            raise TokenError(say(
                f"token {serial}: softhsm2-util --delete-token thất bại: {detail}",
                f"token {serial}: softhsm2-util --delete-token failed: {detail}",
            ))
        self.lockout.forget(serial)
        self.refresh()
