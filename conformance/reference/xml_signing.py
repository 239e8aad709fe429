"""The reference signer for XML: XAdES B-B / B-T and e-invoice XML-DSig made on the token.

The same order as the PDF signer (:mod:`.signer`; TT 15/2025 Art. 5, Decree 68 Art. 29):

1. reach the token and read its certificates without logging in (:mod:`.signing_token`);
2. check the signer's certificate first (:mod:`.certificate_check`): revoked, expired, not
   trusted... is a refusal, before the PIN is asked for, and no file is written; an unobtainable
   revocation status is a warning and signing goes on (Annex II 1.2);
3. log in with the PIN;
4. sign with the key on the token (:mod:`.token_key`: C_Sign only, the key never leaves it) as
   XAdES enveloped or detached, or plain enveloped XML-DSig (:mod:`.xml_building`); B-T adds
   the signature timestamp from the CA's published TSA (:mod:`.xml_timestamping`);
5. answer "Đã ký" / "Chưa ký" with the certificate check's result, Vietnamese first.

B-LT adds the certificates and the OCSP responses and CRLs fetched at signing time
(:mod:`.xml_validation_data`); B-LTA adds the archive timestamp over all of it
(:mod:`.xml_archive`).
"""

from __future__ import annotations

import asyncio
from base64 import b64decode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import pkcs11
from asn1crypto import cms, x509
from cryptography import x509 as cx509
from lxml import etree
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.errors import CRLFetchError
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from bilingual import say
from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    SIGNER_KEY_USAGE,
    CheckOutcome,
    KeyUsageConstraints,
    patient_fetchers,
)
from conformance.oracle.xml_trust import async_validate_signature_timestamp
from conformance.reference.certificate_check import CertificateCheck, async_check_certificate
from conformance.reference.messages import Message
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import write_atomically
from conformance.reference.signing_request import Refusal, SignerInputError, fill_message
from conformance.reference.signing_token import (
    TOKEN_FAILED,
    TOKEN_LOST,
    login_user,
    token_certificates,
    token_session,
)
from conformance.reference.token_key import token_key
from conformance.reference.xml_archive import add_archive_timestamp
from conformance.reference.xml_building import XmlForm, sign_xml_document, signing_time_text
from conformance.reference.xml_examination import reference_octets
from conformance.reference.xml_parsing import NAMESPACES, parse_xml, serialise
from conformance.reference.xml_timestamping import (
    add_signature_timestamp,
    all_signatures,
    signature_value_imprint,
)
from conformance.reference.xml_validation_data import ValidationData, add_validation_data
from conformance.verdict import SignerAnswer, SignerOutcome
from testbed import TokenAccess

TSA_TIMEOUT_SECONDS = 10
XML_LEVELS = tuple(SignatureLevel)
"""The XAdES baseline levels (EN 319 132-1); plain XML-DSig is B-B only."""

_INCOMPLETE_LT = Message("Cảnh báo: thông tin kiểm tra hiệu lực (OCSP/CRL) gắn kèm chữ ký chưa "
                         "đầy đủ",
                         "Warning: the validation data (OCSP/CRL) embedded with the signature is "
                         "incomplete")
_TIMESTAMP_FAILED = Message("Không lấy được dấu thời gian từ {url}",
                            "Could not obtain a timestamp from {url} ({detail})")


@dataclass(frozen=True)
class XmlSigningRequest:
    """One checked request to the XML signer."""

    document: bytes
    output: Path
    access: TokenAccess
    module: str
    pin: str
    trust_roots: tuple[x509.Certificate, ...]
    moment: datetime
    form: XmlForm
    level: SignatureLevel
    tsa_url: str | None
    detached_uri: str | None
    key_usage: KeyUsageConstraints


def _format_name(request: XmlSigningRequest) -> str:
    if request.form is XmlForm.XMLDSIG_ENVELOPED:
        return "XML-DSig (enveloped)"
    packaging = "enveloped" if request.form is XmlForm.XADES_ENVELOPED else "detached"
    return f"XAdES-BASELINE-{request.level.value.removeprefix('B-')} ({packaging})"


def _answer_signed(request: XmlSigningRequest, check: CertificateCheck,
                   certificate: x509.Certificate, warnings: list[Message]) -> SignerAnswer:
    shown = ([check.message] if check.outcome is CheckOutcome.WARN else []) + warnings
    when = signing_time_text(request.moment)
    holder = certificate.subject.native.get("common_name") or certificate.subject.human_friendly
    kind = _format_name(request)
    display = (f"Đã ký. Kết quả kiểm tra chứng thư chữ ký số: {check.message.vietnamese}. "
               f"Chủ thể ký: {holder}. Thời điểm ký: {when}. Định dạng: {kind}.\n"
               f"Signed. Certificate check: {check.message.english}. Signer: {holder}. "
               f"Signing time: {when}. Format: {kind}.")
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        warnings=[message.text() for message in shown], display=display)


def _answer_refused(message: Message, check: CertificateCheck | None) -> SignerAnswer:
    detail = f" ({check.detail})" if check is not None and check.detail else ""
    display = f"Chưa ký. {message.vietnamese}.\nNot signed. {message.english}{detail}."
    return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=message.text(), display=display,
                        warnings=[])


async def _long_term_data(signature: etree._Element, request: XmlSigningRequest,
                          chain: list[x509.Certificate], fetchers: Fetchers
                          ) -> tuple[ValidationData, bool]:
    """B-LT: the paths' certificates and the revocation data at signing time: what the
    certificate check fetched, the TSA's (validating its token fetches them) and the current
    CRL of every certificate that names one (TT15 5.4.b: keep *the CRL* at the signing time).
    The flag says whether everything could be had."""
    token = cms.ContentInfo.load(b64decode("".join(signature.findtext(
        ".//xades:EncapsulatedTimeStamp", namespaces=NAMESPACES).split())))
    tsa_certificates = [c.chosen for c in token["content"]["certificates"]]
    stamp = await async_validate_signature_timestamp(
        token.dump(), lambda algorithm: signature_value_imprint(signature, algorithm),
        trust_roots=request.trust_roots, moment=request.moment, fetchers=fetchers)
    complete = stamp.valid
    for certificate in [*chain, *tsa_certificates]:
        if certificate.self_signed != "no" or not certificate.crl_distribution_points:
            continue
        try:
            await fetchers.crl_fetcher.fetch(certificate)
        except (CRLFetchError, TimeoutError, aiohttp.ClientError):
            complete = False
    data = ValidationData(
        certificates=tuple(c.dump() for c in [*chain, *tsa_certificates, *request.trust_roots]),
        ocsp_responses=tuple(r.dump() for r in fetchers.ocsp_fetcher.fetched_responses()),
        crls=tuple(c.dump() for c in fetchers.crl_fetcher.fetched_crls()))
    return data, complete and bool(data.ocsp_responses or data.crls)


async def _extend(request: XmlSigningRequest, root: etree._Element, signature: etree._Element,
                  certificate: x509.Certificate, chain: list[x509.Certificate],
                  http: aiohttp.ClientSession, fetchers: Fetchers) -> list[Message]:
    """B-T and up: the signature timestamp; B-LT: the validation data; B-LTA: the archive
    timestamp over all of it. Returns the warnings to show; a TSA failure is a refusal."""
    warnings: list[Message] = []
    if request.level is SignatureLevel.B_B:
        return warnings
    assert request.tsa_url is not None
    stamper = HTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT_SECONDS, session=http)
    try:
        await add_signature_timestamp(signature, stamper)
        if request.level in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
            data, complete = await _long_term_data(signature, request, chain, fetchers)
            add_validation_data(signature, data)
            warnings += [] if complete else [_INCOMPLETE_LT]
        if request.level is SignatureLevel.B_LTA:
            index = next(i for i, s in enumerate(all_signatures(root)) if s is signature)
            octets = reference_octets(
                root, certificate=certificate, index=index,
                detached={request.detached_uri or "": request.document})
            await add_archive_timestamp(signature, octets, stamper)
    except (TimestampRequestError, TimeoutError, aiohttp.ClientError) as error:
        raise Refusal(fill_message(_TIMESTAMP_FAILED, url=request.tsa_url,
                                   detail=str(error).splitlines()[0] if str(error)
                                   else type(error).__name__)) from None
    return warnings


async def _signed_bytes(request: XmlSigningRequest, session: object,
                        certificate: x509.Certificate, chain: list[x509.Certificate],
                        http: aiohttp.ClientSession, fetchers: Fetchers
                        ) -> tuple[bytes, list[Message]]:
    """Sign on the logged-in ``session``; token and TSA failures become refusals."""
    public = cx509.load_der_x509_certificate(certificate.dump()).public_key()
    label = request.access.token_label
    try:
        key = token_key(session, bytes.fromhex(request.access.key_id), public)
        root, signature = sign_xml_document(
            parse_xml(request.document), form=request.form, key=key,
            certificates=[certificate.dump(), *(c.dump() for c in chain)],
            moment=request.moment, detached_uri=request.detached_uri)
    except pkcs11.TokenNotPresent:
        raise Refusal(fill_message(TOKEN_LOST, label=label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(fill_message(TOKEN_FAILED, label=label, detail=repr(error))) from None
    warnings = await _extend(request, root, signature, certificate, chain, http, fetchers)
    return serialise(root), warnings


async def _async_sign(request: XmlSigningRequest) -> SignerAnswer:
    check: CertificateCheck | None = None
    try:
        with token_session(request.access, request.module) as session:
            certificate, ca_certificates = token_certificates(session, request.access)
            async with aiohttp.ClientSession() as http, \
                    AIOHttpFetcherBackend(session=http,
                                          per_request_timeout=FETCH_TIMEOUT_SECONDS) as backend:
                fetchers = patient_fetchers(backend)
                check = await async_check_certificate(
                    certificate, chain_candidates=ca_certificates,
                    trust_roots=request.trust_roots, moment=request.moment,
                    fetchers=fetchers, key_usage=request.key_usage)
                if check.outcome is CheckOutcome.REFUSE:
                    raise Refusal(check.message, check=check)
                login_user(session, request.module, request.pin, request.access.token_label)
                signed, warnings = await _signed_bytes(request, session, certificate,
                                                       ca_certificates, http, fetchers)
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check or check)
    write_atomically(request.output, signed)
    return _answer_signed(request, check, certificate, warnings)


def _checked_level(form: XmlForm, level: SignatureLevel | str, tsa_url: str | None
                   ) -> SignatureLevel:
    level = SignatureLevel.parse(level, field="level") if isinstance(level, str) else level
    if level not in XML_LEVELS or (form is XmlForm.XMLDSIG_ENVELOPED
                                   and level is not SignatureLevel.B_B):
        raise SignerInputError(say(
            f"--level: chữ ký XML dạng {form.value} chưa hỗ trợ mức {level.value}",
            f"--level: an XML signature of form {form.value} does not support level "
            f"{level.value} yet"))
    if level is not SignatureLevel.B_B and not tsa_url:
        raise SignerInputError(say(
            f"--tsa-url: mức {level.value} cần nhà cung cấp dịch vụ cấp dấu thời gian",
            f"--tsa-url: level {level.value} needs a timestamp authority"))
    return level


def sign_xml(input_path: Path, output_path: Path, *, access: TokenAccess | Path, pin: str,
             trust_roots: Sequence[x509.Certificate], moment: datetime,
             form: XmlForm | str = XmlForm.XADES_ENVELOPED,
             level: SignatureLevel | str = SignatureLevel.B_B, tsa_url: str | None = None,
             detached_uri: str | None = None, module: str | None = None,
             key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE) -> SignerAnswer:
    """Sign the XML document ``input_path`` into ``output_path`` on the token of ``access``.

    A refusal is an answer and writes no file. ``detached_uri`` is the URI the detached
    signature names the document by (default: the input's file name). Raises
    :class:`SignerInputError` for an unusable request (no safe XML, a level not offered).
    Not to be called inside a running event loop.
    """
    if isinstance(access, Path):
        access = TokenAccess.load(access)
    try:
        form = XmlForm(form)
    except ValueError:
        choices = ", ".join(f.value for f in XmlForm)
        raise SignerInputError(say(f"--form: không biết dạng chữ ký {form!r} (dùng {choices})",
                                   f"--form: unknown signature form {form!r} (use {choices})")
                               ) from None
    level = _checked_level(form, level, tsa_url)
    input_path = Path(input_path)
    try:
        document = input_path.read_bytes()
    except OSError as error:
        raise SignerInputError(say(f"input: không đọc được {input_path} ({error.strerror})",
                                   f"input: cannot read {input_path} ({error.strerror})")) from None
    parse_xml(document, name=str(input_path))
    request = XmlSigningRequest(
        document=document, output=Path(output_path), access=access,
        module=module or access.module, pin=pin, trust_roots=tuple(trust_roots), moment=moment,
        form=form, level=level, tsa_url=tsa_url,
        detached_uri=detached_uri or input_path.name, key_usage=key_usage)
    return asyncio.run(_async_sign(request))


__all__ = ["XML_LEVELS", "XmlForm", "XmlSigningRequest", "sign_xml"]
