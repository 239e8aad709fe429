"""The reference CMS / CAdES signer: a detached ``.p7s`` (DER) over any file, made on the token.

TT15/2025 Annex I row 1.4 names CMS (RFC 5652) and row 1.7 CAdES (ETSI EN 319 122-1) beside
PAdES: a Word document or a ZIP dossier is signed with a signature file of its own. The steps
are the PDF signer's (:mod:`conformance.reference.signer`), in the same order and with the same
words, because TT15 Art. 5 and Decree 68 Art. 29 do not depend on the file's format:

1. reach the token and read its certificates without logging in (:mod:`.signing_token`);
2. check the signer's certificate first (:mod:`.certificate_check`): revoked, expired, not yet
   valid or untrusted is a refusal, before the PIN is asked for and **without any output
   file**; an unobtainable revocation status is a warning, and signing proceeds (Annex II 1.2);
3. log in with the PIN;
4. sign with the key on the token through pyHanko's :class:`PKCS11Signer` and its general-data
   CMS signing (``Signer.async_sign_general_data``: C_Sign only, the key never leaves the
   token), at a :class:`~conformance.reference.cms_levels.CmsLevel`: plain CMS, CAdES B-B,
   B-T (signature timestamp from the CA's TSA, pyHanko's :class:`HTTPTimeStamper`) or B-LT
   (:mod:`.cms_long_term`); detached by default, enveloping (``attached=True``) on request;
5. tell the signer "Đã ký" / "Chưa ký" and the certificate check's result, Vietnamese first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pkcs11
from asn1crypto import cms, x509
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.signers.pdf_cms import (
    GenericCMSSignedAttributeProviderSpec,
    PdfCMSSignedAttributes,
)
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from bilingual import say
from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    SIGNER_KEY_USAGE,
    CheckOutcome,
    KeyUsageConstraints,
    patient_fetchers,
)
from conformance.reference.certificate_check import CertificateCheck, async_check_certificate
from conformance.reference.cms_levels import CmsLevel
from conformance.reference.cms_long_term import carry_validation_data
from conformance.reference.messages import Message
from conformance.reference.pades_signing import (
    _TIMESTAMP_FAILED,
    TSA_TIMEOUT_SECONDS,
    _first_line,
    _signing_time_text,
    _timestamp_cause,
)
from conformance.reference.signer import _answer_refused, _holder, write_atomically
from conformance.reference.signing_request import Refusal, SignerInputError, fill_message
from conformance.reference.signing_token import (
    TOKEN_FAILED,
    TOKEN_LOST,
    login_user,
    token_certificates,
    token_session,
)
from conformance.verdict import SignerAnswer, SignerOutcome
from testbed import TokenAccess

DIGEST_ALGORITHM = "sha256"
MAX_INPUT_BYTES = 200 * 1024 * 1024
"""The largest file signed (the reference verifier's limit too); it is read whole."""

_CMS_FAILED = Message("Không tạo được chữ ký số: thư viện ký CMS báo lỗi",
                      "The signature could not be made: the CMS signing library failed "
                      "({detail})")


@dataclass(frozen=True)
class CmsSigningRequest:
    """One request once :func:`sign_file` has checked it: the content, token, PIN and level."""

    content: bytes
    output: Path
    access: TokenAccess
    module: str
    pin: str
    trust_roots: tuple[x509.Certificate, ...]
    moment: datetime
    level: CmsLevel
    tsa_url: str | None
    attached: bool
    rsa_pss: bool
    key_usage: KeyUsageConstraints


def _pkcs11_signer(request: CmsSigningRequest, session: Any, certificate: x509.Certificate,
                   ca_certificates: list[x509.Certificate]) -> PKCS11Signer:
    """pyHanko's signer on the token; for plain CMS, without signing-certificate-v2 (pyHanko's
    generic attribute spec with no certificate to bind: content-type, message-digest,
    signing-time, cms-algorithm-protection)."""
    signer = PKCS11Signer(
        session, key_id=bytes.fromhex(request.access.key_id), signing_cert=certificate,
        ca_chain=ca_certificates, use_raw_mechanism=request.access.key_type == "p256",
        prefer_pss=request.rsa_pss)
    if not request.level.cades:
        signer.signed_attr_prov_spec = GenericCMSSignedAttributeProviderSpec(
            attr_settings=PdfCMSSignedAttributes(signing_time=request.moment), signing_cert=None,
            signature_mechanism=signer.get_signature_mechanism_for_digest, timestamper=None)
    return signer


async def _signed_cms(request: CmsSigningRequest, signer: PKCS11Signer,
                      http: aiohttp.ClientSession) -> cms.ContentInfo:
    """Sign; the token, the TSA or pyHanko failing becomes a refusal with its reason."""
    timestamper = None
    if request.level.timestamped:
        assert request.tsa_url is not None  # sign_file refuses the request without one
        timestamper = HTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT_SECONDS, session=http)
    content: bytes | cms.ContentInfo = request.content
    if request.attached:  # asn1crypto wants a ContentInfo for encapsulated "data"
        content = cms.ContentInfo({"content_type": "data", "content": request.content})
    try:
        return await signer.async_sign_general_data(
            content, DIGEST_ALGORITHM, detached=not request.attached,
            use_cades=request.level.cades, timestamper=timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(signing_time=request.moment))
    except (TimestampRequestError, TimeoutError, aiohttp.ClientError) as error:
        raise Refusal(fill_message(_TIMESTAMP_FAILED, url=request.tsa_url or "",
                                   detail=_first_line(error), **_timestamp_cause(error))
                      ) from None
    except pkcs11.TokenNotPresent:
        raise Refusal(fill_message(TOKEN_LOST, label=request.access.token_label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(fill_message(TOKEN_FAILED, label=request.access.token_label,
                                   detail=repr(error))) from None
    except (SigningError, ValueError) as error:
        raise Refusal(fill_message(_CMS_FAILED, detail=_first_line(error))) from None


async def _sign_with(request: CmsSigningRequest, session: Any, http: aiohttp.ClientSession,
                     fetchers: Any) -> tuple[bytes, CertificateCheck, list[Message],
                                             x509.Certificate]:
    """Check the certificate, log in, sign, and for B-LT carry the validation data."""
    certificate, ca_certificates = token_certificates(session, request.access)
    check = await async_check_certificate(
        certificate, chain_candidates=ca_certificates, trust_roots=request.trust_roots,
        moment=request.moment, fetchers=fetchers, key_usage=request.key_usage)
    if check.outcome is CheckOutcome.REFUSE:
        raise Refusal(check.message, check=check)
    login_user(session, request.module, request.pin, request.access.token_label)
    signer = _pkcs11_signer(request, session, certificate, ca_certificates)
    info = await _signed_cms(request, signer, http)
    warnings: list[Message] = []
    if request.level is CmsLevel.B_LT:
        info, warnings = await carry_validation_data(
            info, trust_roots=request.trust_roots, ca_certificates=ca_certificates,
            moment=request.moment, fetchers=fetchers, complete=check.outcome is CheckOutcome.OK)
    return info.dump(), check, warnings, certificate


async def _async_sign(request: CmsSigningRequest) -> SignerAnswer:
    check: CertificateCheck | None = None
    try:
        with token_session(request.access, request.module) as session:
            async with aiohttp.ClientSession() as http, \
                    AIOHttpFetcherBackend(session=http,
                                          per_request_timeout=FETCH_TIMEOUT_SECONDS) as backend:
                signed, check, warnings, certificate = await _sign_with(
                    request, session, http, patient_fetchers(backend))
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check or check)
    write_atomically(request.output, signed)
    return _answer_signed(request, check, warnings, certificate)


def _answer_signed(request: CmsSigningRequest, check: CertificateCheck, warnings: list[Message],
                   certificate: x509.Certificate) -> SignerAnswer:
    """"Đã ký." with the certificate check's result, the signer, the time and the level."""
    shown = ([check.message] if check.outcome is CheckOutcome.WARN else []) + warnings
    when = _signing_time_text(request.moment)
    holder = _holder(certificate)
    form_vi = "đóng gói cùng nội dung" if request.attached else "tách rời"
    form_en = "enveloping" if request.attached else "detached"
    display = (f"Đã ký. Kết quả kiểm tra chứng thư chữ ký số: {check.message.vietnamese}. "
               f"Chủ thể ký: {holder}. Thời điểm ký: {when}. Mức chữ ký: "
               f"{request.level.label} ({form_vi}).\n"
               f"Signed. Certificate check: {check.message.english}. Signer: {holder}. "
               f"Signing time: {when}. Level: {request.level.label} ({form_en}).")
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        warnings=[message.text() for message in shown], display=display)


def _read_input(input_path: Path) -> bytes:
    """The bytes to sign, read before the token or the network is touched."""
    try:
        if input_path.stat().st_size > MAX_INPUT_BYTES:
            raise SignerInputError(say(
                f"input: {input_path} lớn hơn {MAX_INPUT_BYTES // (1024 * 1024)} MiB",
                f"input: {input_path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB"))
        return input_path.read_bytes()
    except OSError as error:
        raise SignerInputError(say(f"input: không đọc được {input_path} ({error.strerror})",
                                   f"input: cannot read {input_path} ({error.strerror})")) from None


def sign_file(
    input_path: Path,
    output_path: Path,
    *,
    access: TokenAccess | Path,
    pin: str,
    trust_roots: Sequence[x509.Certificate],
    moment: datetime,
    level: CmsLevel | str = CmsLevel.B_T,
    tsa_url: str | None = None,
    attached: bool = False,
    rsa_pss: bool = False,
    module: str | None = None,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> SignerAnswer:
    """Sign the file ``input_path`` into the CMS ``output_path`` (DER; a ``.p7s``) on the token
    described by ``access``, detached unless ``attached``.

    Returns the answer (signed, or refused with a Vietnamese + English reason; a refusal writes
    no file). ``moment`` is the signing instant (the testbed's "now"): the certificate is
    checked, and signing-time set, at it. Raises :class:`SignerInputError` for an unusable
    request (unreadable input, a timestamped level without a TSA URL). Not to be called inside
    a running event loop.
    """
    if isinstance(access, Path):
        access = TokenAccess.load(access)
    level = CmsLevel.parse(level, field="level") if isinstance(level, str) else level
    content = _read_input(Path(input_path))
    if level.timestamped and not tsa_url:
        raise SignerInputError(say(
            f"--tsa-url: mức {level.label} cần nhà cung cấp dịch vụ cấp dấu thời gian",
            f"--tsa-url: level {level.label} needs a timestamp authority"))
    request = CmsSigningRequest(
        content=content, output=Path(output_path), access=access,
        module=module or access.module, pin=pin, trust_roots=tuple(trust_roots), moment=moment,
        level=level, tsa_url=tsa_url, attached=attached, rsa_pss=rsa_pss, key_usage=key_usage)
    return asyncio.run(_async_sign(request))


__all__ = ["CmsSigningRequest", "DIGEST_ALGORITHM", "sign_file"]
