"""The reference signer's PDF work: a PAdES baseline signature made with pyHanko on the token.

The signature is always an incremental update, made through pyHanko's :class:`PKCS11Signer`
(C_Sign on the token; EC keys use raw CKM_ECDSA over a SHA-256 digest computed here, since
SoftHSM2 has no CKM_ECDSA_SHA256). B-T adds the signature timestamp from the CA's published TSA
(ND68-29.4); B-LT adds a DSS with the OCSP responses and the CRLs at signing time (TT15-5.4);
B-LTA adds a document timestamp. Signing happens at the testbed's instant, never the host's.

Visible appearance (Decree 30/2020 Annex I, SECONDARY): signer name, organisation and signing
time in ISO 8601 with the Vietnam offset (``2026-11-22T09:00:00+07:00``), set in an embedded
DejaVu Sans subset, because the standard Helvetica has no Vietnamese glyphs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
import pkcs11
from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.pkcs11 import PKCS11Signer
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import CRLFetchError

from bilingual import say
from conformance.oracle import CheckOutcome
from conformance.reference.certificate_check import CertificateCheck
from conformance.reference.messages import Message
from conformance.reference.signing_request import (
    Refusal,
    SignatureLevel,
    SignerInputError,
    SigningRequest,
    fill_message,
)
from conformance.reference.signing_token import TOKEN_FAILED, TOKEN_LOST
from pdffonts import VietnameseFontFactory
from testbed import VIETNAM, PdfSignerAt

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""Embedded in visible signatures: a TrueType font with every Vietnamese letter."""
TSA_TIMEOUT_SECONDS = 10
FIELD_PREFIX = "ChuKy"
"""Default signature field names: ChuKy1, ChuKy2, ... (the first free one)."""

_TIMESTAMP_FAILED = Message("Không lấy được dấu thời gian từ {url}: {cause_vi}",
                            "Could not obtain a timestamp from {url}: {cause_en} ({detail})")
_SIGNING_FAILED = Message("Không tạo được chữ ký số: thư viện ký PAdES báo lỗi",
                          "The signature could not be made: the PAdES signing library failed "
                          "({detail})")
"""A refusal says its cause in kyso's words, Vietnamese first; the library's own (English)
sentence only follows the English, in parentheses."""


def _timestamp_cause(error: BaseException) -> dict[str, str]:
    """Why no timestamp came, in kyso's words (the placeholders of ``_TIMESTAMP_FAILED``)."""
    if isinstance(error, TimeoutError):
        return {"cause_vi": "hết thời gian chờ", "cause_en": "timed out"}
    if isinstance(error, aiohttp.ClientError):
        return {"cause_vi": "không kết nối được", "cause_en": "could not connect"}
    return {"cause_vi": "nhà cung cấp dịch vụ cấp dấu thời gian từ chối hoặc trả lời không hợp lệ",
            "cause_en": "the timestamp authority refused or gave an invalid answer"}
_INCOMPLETE_LT = Message("Cảnh báo: thông tin kiểm tra hiệu lực (OCSP/CRL) gắn kèm chữ ký chưa "
                         "đầy đủ",
                         "Warning: the validation data (OCSP/CRL) embedded with the signature is "
                         "incomplete")

_PdfSignerAt = PdfSignerAt
"""The reference signer signs at the testbed's instant; pyHanko would read the host clock."""


APPEARANCE_TEXT = "Ký bởi: %(ten)s\nCơ quan: %(co_quan)s\nThời gian ký: %(thoi_gian)s"
"""The visible signature's text: signer, agency, and the signing time in ISO 8601 with the
Vietnam offset (Decree 30/2020 Annex I, SECONDARY)."""


APPEARANCE_GLYPHS = "Ký bởi: Cơ quan: Thời gian ký: 0123456789-+:T"
"""Embedded in every visible signature's font subset, drawn or not: the labels of
:data:`APPEARANCE_TEXT` and every character of a signing time, so that two signatures by the
same signer share one cached subset whatever their times (:mod:`pdffonts.subsets`)."""


def _stamp_style(stamp_text: str = APPEARANCE_TEXT) -> TextStampStyle:
    # fontTools reports every table it drops while subsetting DejaVu (e.g. FFTM) on stderr
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    # DejaVu cut and scaled to 1000 units per em (pdffonts): unscaled, pyHanko 0.38 sets its
    # glyphs about twice as far apart and the text runs out of the box
    return TextStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=VietnameseFontFactory(
            FONT_PATH, glyphs_of=APPEARANCE_GLYPHS), font_size=9),
        border_width=1,
    )


def _free_field_name(writer: IncrementalPdfFileWriter) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer.prev)}
    number = 1
    while f"{FIELD_PREFIX}{number}" in taken:
        number += 1
    return f"{FIELD_PREFIX}{number}"


def _subject_part(certificate: x509.Certificate, key: str) -> str | None:
    value = certificate.subject.native.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _signing_time_text(moment: datetime) -> str:
    """ISO 8601 in Vietnam time, whole seconds: ``2026-11-22T09:00:00+07:00``."""
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


async def sign_on_token(request: SigningRequest, session: Any, certificate: x509.Certificate,
                        ca_certificates: list[x509.Certificate], check: CertificateCheck,
                        fetchers: Any, http: aiohttp.ClientSession
                        ) -> tuple[bytes, list[Message]]:
    """The signed PDF's bytes, and the warnings to show, for a request whose certificate
    ``check`` allowed signing, on a logged-in token ``session``."""
    try:
        writer = IncrementalPdfFileWriter(BytesIO(request.input_pdf), strict=False)
        field_name = request.field_name or _free_field_name(writer)
    except (PdfError, ValueError, KeyError) as error:
        raise SignerInputError(say(f"input: không đọc được tệp PDF ({error})",
                                   f"input: not a readable PDF ({error})")) from None
    signer = PKCS11Signer(
        session, key_id=bytes.fromhex(request.access.key_id), signing_cert=certificate,
        ca_chain=ca_certificates, use_raw_mechanism=request.access.key_type == "p256",
        prefer_pss=request.rsa_pss)
    context, warnings = await _long_term_context(request, certificate, ca_certificates, check,
                                                 fetchers)
    pdf_signer = _pdf_signer(request, signer, field_name, context, http)
    signed = await _signed_bytes(request, pdf_signer, writer,
                                 _appearance_text(request, certificate))
    return signed, warnings


async def _long_term_context(request: SigningRequest, certificate: x509.Certificate,
                             ca_certificates: list[x509.Certificate], check: CertificateCheck,
                             fetchers: Any) -> tuple[ValidationContext | None, list[Message]]:
    """B-LT and B-LTA: the validation context whose data goes into the DSS (None below B-LT),
    and a warning when that data is incomplete."""
    warnings: list[Message] = []
    if request.level not in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
        return None, warnings
    # with status unobtainable (a WARN), pyHanko must not refuse what the signer accepted
    mode = "require" if check.outcome is CheckOutcome.OK else "soft-fail"
    context = ValidationContext(
        trust_roots=list(request.trust_roots), other_certs=ca_certificates,
        moment=request.moment, allow_fetching=True, revocation_mode=mode, fetchers=fetchers)
    complete = mode == "require" and await _fetch_crls(fetchers, [certificate, *ca_certificates])
    if not complete:
        warnings.append(_INCOMPLETE_LT)
    return context, warnings


def _pdf_signer(request: SigningRequest, signer: signers.Signer, field_name: str,
                context: ValidationContext | None, http: aiohttp.ClientSession) -> PdfSignerAt:
    """pyHanko's PDF signer for the request's level, field and appearance."""
    level = request.level
    timestamper = None
    if level is not SignatureLevel.B_B:
        if request.tsa_url is None:
            raise SignerInputError(say(
                f"--tsa-url: mức {level.value} cần nhà cung cấp dịch vụ cấp dấu thời gian",
                f"--tsa-url: level {level.value} needs a timestamp authority"))
        timestamper = HTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT_SECONDS, session=http)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=request.reason,
        location=request.location, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=level in (SignatureLevel.B_LT, SignatureLevel.B_LTA),
        use_pades_lta=level is SignatureLevel.B_LTA,
        validation_context=context, signer_key_usage=set(request.key_usage.key_usage or ()))
    field_spec = None
    if request.visible is not None:
        field_spec = fields.SigFieldSpec(sig_field_name=field_name,
                                         on_page=request.visible.page - 1,
                                         box=request.visible.box)
    return _PdfSignerAt(metadata, signer=signer, timestamper=timestamper,
                        stamp_style=_stamp_style(), new_field_spec=field_spec,
                        moment=request.moment)


def _appearance_text(request: SigningRequest, certificate: x509.Certificate) -> dict[str, str]:
    """The values of :data:`APPEARANCE_TEXT`: signer, agency, signing time."""
    return {
        "ten": request.signer_name or _subject_part(certificate, "common_name") or "",
        "co_quan": request.organisation or _subject_part(certificate, "organization_name")
        or "",
        "thoi_gian": _signing_time_text(request.moment),
    }


def _first_line(error: BaseException) -> str:
    """The library's own sentence, one line (its type's name when it says nothing)."""
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


async def _signed_bytes(request: SigningRequest, pdf_signer: PdfSignerAt,
                        writer: IncrementalPdfFileWriter, text: dict[str, str]) -> bytes:
    """Sign; what went wrong becomes a refusal (token, TSA, pyHanko) or a usage error (PDF)."""
    output = BytesIO()
    try:
        await pdf_signer.async_sign_pdf(writer, appearance_text_params=text, output=output)
    except (TimestampRequestError, TimeoutError, aiohttp.ClientError) as error:
        raise Refusal(fill_message(_TIMESTAMP_FAILED, url=request.tsa_url or "",
                                   detail=_first_line(error), **_timestamp_cause(error))
                      ) from None
    except pkcs11.TokenNotPresent:
        raise Refusal(fill_message(TOKEN_LOST, label=request.access.token_label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(fill_message(TOKEN_FAILED, label=request.access.token_label,
                                   detail=repr(error))) from None
    except SigningError as error:
        if "field" in str(error).lower() and request.field_name:
            raise SignerInputError(f"--field: {error}") from None
        raise Refusal(fill_message(_SIGNING_FAILED, detail=_first_line(error))) from None
    except (PdfError, ValueError) as error:
        raise SignerInputError(say(f"input: không ký được tệp PDF này ({error})",
                                   f"input: cannot sign this PDF ({error})")) from None
    return output.getvalue()


async def _fetch_crls(fetchers: Any, certificates: Sequence[x509.Certificate]) -> bool:
    """Fetch the current CRL of every certificate that names one, so that the DSS keeps it.

    pyHanko embeds the revocation data its validation context holds, and stops at a good OCSP
    answer; TT15 Art. 5.4.b asks the signing software to keep *the CRL at the signing time*
    with the message, so the reference signer fetches the CRLs too. False if one could not be.
    """
    complete = True
    for certificate in certificates:
        if certificate.self_signed != "no" or not certificate.crl_distribution_points:
            continue
        try:
            await fetchers.crl_fetcher.fetch(certificate)
        except (CRLFetchError, TimeoutError, aiohttp.ClientError):
            complete = False
    return complete
