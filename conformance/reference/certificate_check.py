"""The reference signer's check of its own certificate before it lets anyone sign: the words.

The validation itself (path, validity, revocation, key usage; the three outcomes the law asks
for) is the oracle's (:mod:`conformance.oracle.certificate`, the one door to pyHanko's
validators). This face gives the signer what it shows: a refusal reason, a warning, or "valid",
Vietnamese first, with the certificate checked and the instant it was checked at.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509
from pyhanko_certvalidator.fetchers import Fetchers

from conformance.oracle import (
    SIGNER_KEY_USAGE,
    CertificateFinding,
    CheckOutcome,
    KeyUsageConstraints,
    Problem,
    async_validate_signing_certificate,
)
from conformance.reference.messages import Message

_MESSAGES: dict[Problem, Message] = {
    Problem.EXPIRED: Message("Chứng thư chữ ký số đã hết hạn", "The certificate has expired"),
    Problem.NOT_YET_VALID: Message("Chứng thư chữ ký số chưa có hiệu lực",
                                   "The certificate is not yet valid"),
    Problem.REVOKED: Message("Chứng thư chữ ký số đã bị thu hồi",
                             "The certificate has been revoked"),
    Problem.ISSUER_REVOKED: Message(
        "Chứng thư chữ ký số của tổ chức cung cấp dịch vụ chứng thực chữ ký số đã bị thu hồi",
        "The certificate of the issuing certification authority has been revoked"),
    Problem.ISSUER_EXPIRED: Message(
        "Chứng thư chữ ký số của tổ chức cung cấp dịch vụ chứng thực chữ ký số đã hết hạn",
        "The certificate of the issuing certification authority has expired"),
    Problem.ISSUER_NOT_YET_VALID: Message(
        "Chứng thư chữ ký số của tổ chức cung cấp dịch vụ chứng thực chữ ký số chưa có hiệu lực",
        "The certificate of the issuing certification authority is not yet valid"),
    Problem.UNTRUSTED: Message(
        "Chứng thư chữ ký số không liên kết được đến chứng thư chữ ký số gốc tin cậy",
        "The certificate does not chain to a trusted root certificate"),
    Problem.KEY_USAGE: Message(
        "Chứng thư chữ ký số không được phép dùng để ký văn bản (thiếu mục đích sử dụng "
        "nonRepudiation)",
        "The certificate may not be used to sign documents (key usage nonRepudiation missing)"),
    Problem.INVALID: Message("Chứng thư chữ ký số không hợp lệ", "The certificate is not valid"),
    Problem.REVOCATION_UNOBTAINABLE: Message(
        "Cảnh báo: không kiểm tra được trạng thái thu hồi của chứng thư chữ ký số (không truy cập "
        "được OCSP và CRL); việc ký vẫn tiếp tục (mục 1.2 Phụ lục II Thông tư số "
        "15/2025/TT-BKHCN)",
        "Warning: the revocation status of the certificate could not be checked (OCSP and CRL "
        "unreachable); signing continues (TT15 Annex II row 1.2)"),
    Problem.REVOCATION_STALE: Message(
        "Cảnh báo: không có CRL mới nhất tại thời điểm ký và OCSP không truy cập được; không "
        "xác định được trạng thái thu hồi của chứng thư chữ ký số; việc ký vẫn tiếp tục "
        "(mục 1.2 Phụ lục II Thông tư số 15/2025/TT-BKHCN)",
        "Warning: no current CRL at the signing time and OCSP unreachable; the revocation "
        "status of the certificate is unknown; signing continues (TT15 Annex II row 1.2)"),
}
_OK_MESSAGE = Message("Chứng thư chữ ký số hợp lệ", "The certificate is valid")


@dataclass(frozen=True)
class CertificateCheck:
    """The result of the pre-signing check."""

    outcome: CheckOutcome
    problem: Problem | None
    message: Message
    """What the signer is shown (a refusal reason, a warning, or "valid")."""
    detail: str
    """The validation library's own words (English), for logs and evidence."""
    checked_at: datetime
    subject: str
    """The certificate's subject, as checked (TT15-5.1.a: "check the signer information")."""
    path: tuple[x509.Certificate, ...] = ()
    """The validated path, root first (empty when no path could be validated)."""

    @property
    def may_sign(self) -> bool:
        """OK or WARN: signing may go on (with the warning shown, for WARN)."""
        return self.outcome is not CheckOutcome.REFUSE


def _check_of(finding: CertificateFinding, *, moment: datetime,
              certificate: x509.Certificate) -> CertificateCheck:
    problem = finding.problem
    message = _MESSAGES[problem] if problem is not None else _OK_MESSAGE
    if finding.qualifier:
        message = Message(f"{message.vietnamese} ({finding.qualifier})",
                          f"{message.english} ({finding.qualifier})")
    return CertificateCheck(outcome=finding.outcome, problem=problem, message=message,
                            detail=finding.detail, checked_at=moment,
                            subject=certificate.subject.human_friendly, path=finding.path)


async def async_check_certificate(
    certificate: x509.Certificate,
    *,
    chain_candidates: Iterable[x509.Certificate],
    trust_roots: Iterable[x509.Certificate],
    moment: datetime,
    fetchers: Fetchers | None = None,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> CertificateCheck:
    """Check ``certificate`` for signing at ``moment``: OK, REFUSE or WARN
    (:mod:`conformance.oracle.certificate`), with what the signer is shown.

    ``chain_candidates`` are the CA certificates that may complete the path (those stored on
    the token); ``trust_roots`` the roots the signer trusts. Revocation data is fetched live;
    without ``fetchers`` a fetcher backend is opened for the call.
    """
    finding = await async_validate_signing_certificate(
        certificate, chain_candidates=chain_candidates, trust_roots=trust_roots, moment=moment,
        fetchers=fetchers, key_usage=key_usage)
    return _check_of(finding, moment=moment, certificate=certificate)


def check_certificate(
    certificate: x509.Certificate,
    *,
    chain_candidates: Iterable[x509.Certificate],
    trust_roots: Iterable[x509.Certificate],
    moment: datetime,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> CertificateCheck:
    """Synchronous :func:`async_check_certificate` (not inside a running event loop)."""
    return asyncio.run(async_check_certificate(
        certificate, chain_candidates=chain_candidates, trust_roots=trust_roots, moment=moment,
        key_usage=key_usage))


__all__ = [
    "CertificateCheck",
    "async_check_certificate",
    "check_certificate",
]
