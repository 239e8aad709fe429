"""Why the CA refuses a lifecycle operation, in the words a person reads.

Each function builds the one-line error (:mod:`testbed.errors`) that
:class:`testbed.ca.lifecycle.Lifecycle` raises, Vietnamese first and English after
(:func:`bilingual.say`); kept apart so the lifecycle reads as what the CA does, not as what it
says. Times are shown in Vietnam time (:func:`testbed.clock.display_time`), revocation reasons
in words.
"""

from __future__ import annotations

from datetime import datetime

from bilingual import say

from ..clock import display_time
from ..errors import InvalidInputError, InvalidStateError
from ..world import CertificateRecord, Revocation


def new_subscriber_needs_a_name(subscriber_id: str) -> InvalidInputError:
    return InvalidInputError(say(
        f"thuê bao '{subscriber_id}' là thuê bao mới: hãy cho biết tên (--name)",
        f"subscriber '{subscriber_id}' is new: give a name (--name)"))


def issuer_is_a_root(issuer: str, issuing_cas: list[str]) -> InvalidInputError:
    cas = ", ".join(issuing_cas)
    return InvalidInputError(say(
        f"issuer: '{issuer}' là CA gốc; thuê bao nhận chứng thư chữ ký số từ {cas}",
        f"issuer: '{issuer}' is a root; subscribers get certificates from {cas}"))


def validity_too_long(end: datetime, branch: str, longest: datetime) -> InvalidInputError:
    return InvalidInputError(say(
        f"validity: hết hạn ngày {end.date()}, muộn hơn thời hạn tối đa của nhánh {branch} là "
        f"{longest.date()} (NĐ68 Điều 9 / NĐ23); dùng rule break overlong-validity cho một "
        "trường hợp kiểm thử âm",
        f"validity: ends {end.date()}, later than the {branch} maximum {longest.date()} "
        "(ND68 Art. 9 / ND23); use rule break overlong-validity for a negative case"))


def validity_beyond_issuer(issuer_not_after: datetime) -> InvalidInputError:
    end = display_time(issuer_not_after)
    return InvalidInputError(say(
        f"validity: hết hạn sau chứng thư chữ ký số của CA cấp phát ({end})",
        f"validity: ends after the issuing CA's certificate ({end})"))


def revoked_cannot_be_renewed(label: str) -> InvalidStateError:
    return InvalidStateError(say(
        f"chứng thư chữ ký số '{label}' đã bị thu hồi; chứng thư chữ ký số đã thu hồi không gia "
        "hạn được (hãy cấp mới)",
        f"certificate '{label}' is revoked; a revoked certificate cannot be renewed "
        "(re-issue instead)"))


def not_revoked_yet(label: str) -> InvalidStateError:
    return InvalidStateError(say(
        f"chứng thư chữ ký số '{label}' chưa bị thu hồi; chỉ cấp mới sau khi thu hồi (hãy thu "
        "hồi trước, hoặc gia hạn)",
        f"certificate '{label}' is not revoked; re-issue follows a revocation "
        "(revoke it first, or renew)"))


def already_revoked(record: CertificateRecord, revocation: Revocation) -> InvalidStateError:
    """Revoking twice: the first revocation's reason in words and its time in Vietnam time."""
    reason, when = revocation.reason, display_time(revocation.revoked_at)
    return InvalidStateError(say(
        f"chứng thư chữ ký số '{record.label}' (số hiệu {record.serial:#x}) đã bị thu hồi rồi "
        f"({reason.vietnamese}, {when})",
        f"certificate '{record.label}' (serial {record.serial:#x}) is already revoked "
        f"({reason.value}, {when})"))


def root_cannot_be_revoked(label: str) -> InvalidInputError:
    return InvalidInputError(say(
        f"'{label}' là CA gốc: CA gốc không thể bị thu hồi bằng CRL của chính nó; hãy thôi tin "
        "cậy nó",
        f"'{label}' is a root: a root cannot be revoked by its own CRL; distrust it instead"))


def invalidity_after_revocation() -> InvalidInputError:
    return InvalidInputError(say(
        "invalidity date: ngày khóa bí mật bị lộ không được sau ngày thu hồi",
        "invalidity date: must not be after the revocation date"))
