"""The reference signer's side of a PKCS#11 token: open it, read its certificates, log in.

The token is reached through the module its access file names (the testbed's lockout module,
so locked and lost tokens behave as real ones; :func:`testbed.tokens.open_token_library` knows
how). Certificates are read without logging in, so the signer can check its certificate before
it asks for the PIN (TT15-5.1.a). Every failure is a :class:`Refusal` with the message a person
is shown: token absent, lost, locked, wrong PIN, no certificate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pkcs11
from asn1crypto import x509
from pkcs11.constants import Attribute, ObjectClass

from conformance.reference.messages import Message
from conformance.reference.signing_request import Refusal, fill_message
from testbed import (
    CKR_OK,
    CKR_USER_ALREADY_LOGGED_IN,
    CKU_USER,
    Cryptoki,
    TokenAccess,
    TokenError,
    open_token_library,
    return_value_name,
)

_TOKEN_ABSENT = Message("Không tìm thấy thiết bị lưu khóa bí mật (token) '{label}'",
                        "The signing token '{label}' is not present")
TOKEN_LOST = Message("Thiết bị lưu khóa bí mật '{label}' đã bị báo mất; không thể ký",
                     "The signing token '{label}' has been reported lost; it cannot sign")
_PIN_WRONG = Message("Sai mã PIN của thiết bị lưu khóa bí mật '{label}'",
                     "Wrong PIN for the signing token '{label}'")
_PIN_LOCKED = Message("Thiết bị lưu khóa bí mật '{label}' đã bị khóa do nhập sai mã PIN quá số "
                      "lần cho phép; liên hệ tổ chức quản lý để khôi phục",
                      "The signing token '{label}' is locked after too many wrong PINs; ask "
                      "the managing body to restore it")
_NO_CERTIFICATE = Message("Không tìm thấy chứng thư chữ ký số của khóa trên thiết bị '{label}'",
                          "No certificate for the key on the signing token '{label}'")
TOKEN_FAILED = Message("Lỗi thiết bị lưu khóa bí mật '{label}': {detail}",
                       "Signing token '{label}' failed: {detail}")


@contextmanager
def token_session(access: TokenAccess, module: str) -> Iterator[Any]:
    """A public (not logged-in) session on the access file's token; refusals for absent/lost."""
    label = access.token_label
    try:
        _, find = open_token_library(access, module)
        token = find(label)
        session = token.open()
    except pkcs11.TokenNotPresent:
        raise Refusal(fill_message(TOKEN_LOST, label=label)) from None
    except (TokenError, pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
        raise Refusal(fill_message(_TOKEN_ABSENT, label=label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(fill_message(TOKEN_FAILED, label=label, detail=repr(error))) from None
    try:
        yield session
    finally:
        session.close()  # closing the last session also logs out


def token_certificates(session: Any, access: TokenAccess
                        ) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The subscriber certificate (CKA_ID = the key's) and the CA certificates on the token."""
    key_id = bytes.fromhex(access.key_id)
    own: x509.Certificate | None = None
    others: list[x509.Certificate] = []
    try:
        for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            certificate = x509.Certificate.load(bytes(obj[Attribute.VALUE]))
            if bytes(obj[Attribute.ID]) == key_id and own is None:
                own = certificate
            else:
                others.append(certificate)
    except pkcs11.TokenNotPresent:
        raise Refusal(fill_message(TOKEN_LOST, label=access.token_label)) from None
    if own is None:
        raise Refusal(fill_message(_NO_CERTIFICATE, label=access.token_label))
    return own, others


def login_user(session: Any, module: str, pin: str, label: str) -> None:
    """C_Login through ctypes: python-pkcs11 0.9.5 leaks a session when its login fails."""
    rv = Cryptoki(Path(module)).login(session.handle, CKU_USER, pin)
    if rv in (CKR_OK, CKR_USER_ALREADY_LOGGED_IN):
        return
    name = return_value_name(rv)
    if name == "CKR_PIN_INCORRECT":
        raise Refusal(fill_message(_PIN_WRONG, label=label))
    if name == "CKR_PIN_LOCKED":
        raise Refusal(fill_message(_PIN_LOCKED, label=label))
    if name == "CKR_TOKEN_NOT_PRESENT":
        raise Refusal(fill_message(TOKEN_LOST, label=label))
    raise Refusal(fill_message(TOKEN_FAILED, label=label, detail=f"C_Login: {name}"))
