"""The few raw Cryptoki calls that python-pkcs11 0.9.5 lacks or gets wrong, made through ctypes.

* ``C_InitToken`` is not exposed by python-pkcs11 at all. Initialising tokens in-process (rather
  than with ``softhsm2-util`` in a subprocess) keeps PINs off command lines and makes the new
  token visible at once to the library instance this process already initialised.
* ``Token.open(user_pin=...)`` leaks the session it opened when C_Login fails, and the leaked
  session keeps the token's login state alive in this process (a later login then answers
  CKR_USER_ALREADY_LOGGED_IN). We open a public session with python-pkcs11 and log in here, so
  a failed login closes its own session.

The calls go through the module's ``C_GetFunctionList`` (the standard entry point: the lockout
module exports nothing else). ``ctypes.CDLL`` on the path python-pkcs11 loaded returns the same
``dlopen`` handle, hence the same module state and the same session handles.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

from bilingual import say

CKR_OK = 0x000
CKR_USER_ALREADY_LOGGED_IN = 0x100
CKU_SO = 0
CKU_USER = 1

RETURN_VALUE_NAMES: dict[int, str] = {
    0x000: "CKR_OK",
    0x003: "CKR_SLOT_ID_INVALID",
    0x005: "CKR_GENERAL_ERROR",
    0x007: "CKR_ARGUMENTS_BAD",
    0x0A0: "CKR_PIN_INCORRECT",
    0x0A1: "CKR_PIN_INVALID",
    0x0A2: "CKR_PIN_LEN_RANGE",
    0x0A3: "CKR_PIN_EXPIRED",
    0x0A4: "CKR_PIN_LOCKED",
    0x0B3: "CKR_SESSION_HANDLE_INVALID",
    0x0B5: "CKR_SESSION_READ_ONLY",
    0x0E0: "CKR_TOKEN_NOT_PRESENT",
    0x0E1: "CKR_TOKEN_NOT_RECOGNIZED",
    0x100: "CKR_USER_ALREADY_LOGGED_IN",
    0x101: "CKR_USER_NOT_LOGGED_IN",
    0x102: "CKR_USER_PIN_NOT_INITIALIZED",
    0x103: "CKR_USER_TYPE_INVALID",
    0x104: "CKR_USER_ANOTHER_ALREADY_LOGGED_IN",
    0x190: "CKR_CRYPTOKI_NOT_INITIALIZED",
}
"""Names of the return values the token layer reports; others print as hex."""

_INDEX_C_INIT_TOKEN = 9  # positions in CK_FUNCTION_LIST (PKCS#11 v2.40 order)
_INDEX_C_LOGIN = 18
_INDEX_C_LOGOUT = 19
_FUNCTION_COUNT = 68

_CK_RV = ctypes.c_ulong
_INIT_TOKEN = ctypes.CFUNCTYPE(
    _CK_RV, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p
)
_LOGIN = ctypes.CFUNCTYPE(_CK_RV, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong)
_LOGOUT = ctypes.CFUNCTYPE(_CK_RV, ctypes.c_ulong)


class _FunctionList(ctypes.Structure):
    _fields_ = (
        ("version_major", ctypes.c_ubyte),
        ("version_minor", ctypes.c_ubyte),
        ("functions", ctypes.c_void_p * _FUNCTION_COUNT),
    )


def return_value_name(rv: int) -> str:
    """``CKR_PIN_LOCKED`` for 0xA4, hex for values without a name here."""
    return RETURN_VALUE_NAMES.get(rv, f"CKR_0x{rv:X}")


class Cryptoki:
    """Raw calls into an already-initialised PKCS#11 module (C_Initialize is python-pkcs11's)."""

    def __init__(self, module: Path) -> None:
        library = ctypes.CDLL(str(module))
        get_function_list = library.C_GetFunctionList
        get_function_list.restype = _CK_RV
        get_function_list.argtypes = (ctypes.POINTER(ctypes.POINTER(_FunctionList)),)
        function_list = ctypes.POINTER(_FunctionList)()
        rv = get_function_list(ctypes.byref(function_list))
        if rv != CKR_OK:
            code = return_value_name(rv)
            raise OSError(say(f"C_GetFunctionList của {module} trả về {code}",
                              f"C_GetFunctionList of {module} returned {code}"))
        functions = function_list.contents.functions
        self._library = library  # keeps the handle referenced while the pointers are in use
        self._init_token = _INIT_TOKEN(functions[_INDEX_C_INIT_TOKEN])
        self._login = _LOGIN(functions[_INDEX_C_LOGIN])
        self._logout = _LOGOUT(functions[_INDEX_C_LOGOUT])

    def init_token(self, slot_id: int, so_pin: str, label: str) -> int:
        """C_InitToken; ``label`` must fit the 32-byte blank-padded field. Returns the CKR."""
        label_field = label.encode("utf-8").ljust(32, b" ")
        pin = so_pin.encode("utf-8")
        return int(self._init_token(slot_id, pin, len(pin), label_field))

    def login(self, session_handle: int, user_type: int, pin: str) -> int:
        """C_Login on an open session. Returns the CKR."""
        data = pin.encode("utf-8")
        return int(self._login(session_handle, user_type, data, len(data)))

    def logout(self, session_handle: int) -> int:
        """C_Logout. Returns the CKR."""
        return int(self._logout(session_handle))
