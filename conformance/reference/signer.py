"""The reference signer: PAdES baseline signatures made on a subscriber's PKCS#11 token.

What it does, in the order TT 15/2025 Art. 5 and Decree 68 Art. 29 give:

1. reach the token through the module named in its access file (the testbed's lockout module,
   so locked and lost tokens behave as real ones) and read the certificates stored on it, without
   logging in;
2. check the signer's certificate before allowing signing (TT15-5.1.a / 5.2, ND68-29.1–29.2,
   Annex II 1.1–1.2; :mod:`.certificate_check`): a refusal ends here, before the PIN is asked
   for, and **no output file is written**; an unobtainable revocation status is a warning, and
   signing proceeds (Annex II 1.2 asks a warning, not a refusal);
3. log in with the PIN (wrong PIN, locked, lost or absent token: a refusal with a clear reason);
4. sign with the key on the token through pyHanko's :class:`PKCS11Signer` (the private key never
   leaves it: C_Sign only), as PAdES B-B (signing-certificate-v2, claimed signing time /M), B-T
   (+ signature timestamp from the CA's published TSA, ND68-29.4), B-LT (+ DSS with the OCSP
   responses and CRLs at signing time, which is what TT15-5.4 asks to keep with the message) or
   B-LTA (+ document timestamp);
5. tell the signer "Đã ký" / "Chưa ký" and the validity-check result, Vietnamese first
   (TT15-5.6.a/b).

The signature is always an incremental update: the bytes of the input are the first bytes of the
output, earlier signatures stay valid (an organisation seal over a personal signature), and the
new signature's byte range covers the whole file as written.

RSA keys sign with sha256WithRSAEncryption (PKCS#1 v1.5) by default; ``rsa_pss=True`` signs with
RSASSA-PSS instead. Open question (legal-requirements.md, open question 2): TT15 Annex I row 1.2
names RSASSA-PSS for signing; whether that makes v1.5 signatures non-conformant, or describes only
what a CA must support, is not settled, so both are offered and v1.5 stays the default because
every verifier in the field accepts it. EC keys use raw CKM_ECDSA over a SHA-256 digest computed
here (SoftHSM2 has no CKM_ECDSA_SHA256).

Visible appearance (Decree 30/2020 Annex I, SECONDARY): signer name, organisation and signing
time in ISO 8601 with the Vietnam offset (``2026-11-22T09:00:00+07:00``), set in an embedded
DejaVu Sans subset, because the standard Helvetica has no Vietnamese glyphs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
import pkcs11
from asn1crypto import pem, x509
from pkcs11.constants import Attribute, ObjectClass
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
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    SIGNER_KEY_USAGE,
    CheckOutcome,
    KeyUsageConstraints,
    patient_fetchers,
)
from conformance.reference.certificate_check import CertificateCheck, async_check_certificate
from conformance.reference.messages import Message
from conformance.reference.signature_levels import SignatureLevel
from conformance.verdict import SignerAnswer, SignerOutcome
from pdffonts import VietnameseFontFactory
from testbed.clock import VIETNAM
from testbed.errors import (
    InvalidInputError,
    TestbedError,
    TokenError,
    UnknownSubscriberError,
)
from testbed.fixture_signing import PdfSignerAt
from testbed.tokens.access import TokenAccess
from testbed.tokens.cryptoki import (
    CKR_OK,
    CKR_USER_ALREADY_LOGGED_IN,
    CKU_USER,
    Cryptoki,
    return_value_name,
)

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
"""Embedded in visible signatures: a TrueType font with every Vietnamese letter."""
TSA_TIMEOUT_SECONDS = 10
FIELD_PREFIX = "ChuKy"
"""Default signature field names: ChuKy1, ChuKy2, ... (the first free one)."""


@dataclass(frozen=True)
class VisibleSignature:
    """Where the appearance goes: ``page`` counted from 1, ``box`` = (x1, y1, x2, y2) in pt."""

    page: int
    box: tuple[int, int, int, int]


class SignerInputError(InvalidInputError):
    """The request itself is unusable (input not a PDF, bad field, ...): a usage error."""


class Refusal(Exception):  # noqa: N818 (a decision: no signature, and the message to show)
    """The signer decided not to sign; ``message`` is what the person is told. Public because
    the defective variants and the emulated remote-signing service refuse the same way."""

    def __init__(self, message: Message, *, check: CertificateCheck | None = None) -> None:
        super().__init__(message.english)
        self.message = message
        self.check = check


# ---- the token ----------------------------------------------------------------------------------
_TOKEN_ABSENT = Message("Không tìm thấy thiết bị lưu khóa bí mật (token) '{label}'",
                        "The signing token '{label}' is not present")
_TOKEN_LOST = Message("Thiết bị lưu khóa bí mật '{label}' đã bị báo mất; không thể ký",
                      "The signing token '{label}' has been reported lost; it cannot sign")
_PIN_WRONG = Message("Sai mã PIN của thiết bị lưu khóa bí mật '{label}'",
                     "Wrong PIN for the signing token '{label}'")
_PIN_LOCKED = Message("Thiết bị lưu khóa bí mật '{label}' đã bị khóa do nhập sai mã PIN quá số "
                      "lần cho phép; liên hệ tổ chức quản lý để khôi phục",
                      "The signing token '{label}' is locked after too many wrong PINs; ask "
                      "the managing body to restore it")
_NO_CERTIFICATE = Message("Không tìm thấy chứng thư số của khóa trên thiết bị '{label}'",
                          "No certificate for the key on the signing token '{label}'")
_TOKEN_FAILED = Message("Lỗi thiết bị lưu khóa bí mật '{label}': {detail}",
                        "Signing token '{label}' failed: {detail}")
_TIMESTAMP_FAILED = Message("Không lấy được dấu thời gian từ {url}: {detail}",
                            "Could not obtain a timestamp from {url}: {detail}")
_SIGNING_FAILED = Message("Không tạo được chữ ký số: {detail}",
                          "The signature could not be made: {detail}")
_INCOMPLETE_LT = Message("Cảnh báo: thông tin kiểm tra hiệu lực (OCSP/CRL) gắn kèm chữ ký chưa "
                         "đầy đủ",
                         "Warning: the validation data (OCSP/CRL) embedded with the signature is "
                         "incomplete")


def _fill(message: Message, **values: str) -> Message:
    return Message(message.vietnamese.format(**values), message.english.format(**values))


def _library(access: TokenAccess, module: str) -> tuple[Any, Any]:
    """(python-pkcs11 library, find-token-by-label function) for ``access``.

    python-pkcs11 keeps one initialised library per module path per process, and SoftHSM reads
    SOFTHSM2_CONF once, at C_Initialize. A kyso testbed token (its environment names the real
    module and a SoftHSM configuration) is therefore reached through the testbed's SoftHSM door,
    which already keeps that one library coherent when a process (a test run) has loaded it for
    this or another testbed directory. Any other module is loaded directly, after exporting the
    environment its access file asks for.
    """
    from testbed.tokens.lockout import ENV_MAX_PIN_TRIES, ENV_REAL_MODULE
    from testbed.tokens.softhsm import ENV_SOFTHSM_CONF, SoftHsm

    env = access.env
    if module == access.module and ENV_SOFTHSM_CONF in env and ENV_REAL_MODULE in env:
        softhsm = SoftHsm(Path(env[ENV_SOFTHSM_CONF]).parent,
                          max_pin_tries=int(env.get(ENV_MAX_PIN_TRIES, "5")),
                          real_module=Path(env[ENV_REAL_MODULE]))
        if softhsm.module_path == Path(module) and softhsm.env() == env:
            return softhsm.lib(), softhsm.find_token
    os.environ.update(env)  # before the first load: the module reads it at C_Initialize
    library = pkcs11.lib(module)

    def find(label: str) -> Any:
        try:
            return library.get_token(token_label=label)
        except pkcs11.NoSuchToken:
            raise TokenError(f"token {label!r}: no such token") from None

    return library, find


@contextmanager
def token_session(access: TokenAccess, module: str) -> Iterator[Any]:
    """A public (not logged-in) session on the access file's token; refusals for absent/lost."""
    label = access.token_label
    try:
        _, find = _library(access, module)
        token = find(label)
        session = token.open()
    except pkcs11.TokenNotPresent:
        raise Refusal(_fill(_TOKEN_LOST, label=label)) from None
    except (TokenError, pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
        raise Refusal(_fill(_TOKEN_ABSENT, label=label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(_fill(_TOKEN_FAILED, label=label, detail=repr(error))) from None
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
        raise Refusal(_fill(_TOKEN_LOST, label=access.token_label)) from None
    if own is None:
        raise Refusal(_fill(_NO_CERTIFICATE, label=access.token_label))
    return own, others


def login_user(session: Any, module: str, pin: str, label: str) -> None:
    """C_Login through ctypes: python-pkcs11 0.9.5 leaks a session when its login fails."""
    rv = Cryptoki(Path(module)).login(session.handle, CKU_USER, pin)
    if rv in (CKR_OK, CKR_USER_ALREADY_LOGGED_IN):
        return
    name = return_value_name(rv)
    if name == "CKR_PIN_INCORRECT":
        raise Refusal(_fill(_PIN_WRONG, label=label))
    if name == "CKR_PIN_LOCKED":
        raise Refusal(_fill(_PIN_LOCKED, label=label))
    if name == "CKR_TOKEN_NOT_PRESENT":
        raise Refusal(_fill(_TOKEN_LOST, label=label))
    raise Refusal(_fill(_TOKEN_FAILED, label=label, detail=f"C_Login: {name}"))


# ---- the PDF ------------------------------------------------------------------------------------
_PdfSignerAt = PdfSignerAt
"""The reference signer signs at the testbed's instant; pyHanko would read the host clock."""


APPEARANCE_TEXT = "Ký bởi: %(ten)s\nCơ quan: %(co_quan)s\nThời gian ký: %(thoi_gian)s"
"""The visible signature's text: signer, agency, and the signing time in ISO 8601 with the
Vietnam offset (Decree 30/2020 Annex I, SECONDARY)."""


def _stamp_style(stamp_text: str = APPEARANCE_TEXT) -> TextStampStyle:
    # fontTools reports every table it drops while subsetting DejaVu (e.g. FFTM) on stderr
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    # DejaVu cut and scaled to 1000 units per em (pdffonts): unscaled, pyHanko 0.38 sets its
    # glyphs about twice as far apart and the text runs out of the box
    return TextStampStyle(
        stamp_text=stamp_text,
        text_box_style=TextBoxStyle(font=VietnameseFontFactory(FONT_PATH), font_size=9),
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


@dataclass(frozen=True)
class _Request:
    input_pdf: bytes
    output: Path
    access: TokenAccess
    module: str
    pin: str
    trust_roots: tuple[x509.Certificate, ...]
    moment: datetime
    level: SignatureLevel
    tsa_url: str | None
    visible: VisibleSignature | None
    reason: str | None
    location: str | None
    field_name: str | None
    signer_name: str | None
    organisation: str | None
    rsa_pss: bool
    key_usage: KeyUsageConstraints


async def _sign_pdf(request: _Request, session: Any, certificate: x509.Certificate,
                    ca_certificates: list[x509.Certificate], check: CertificateCheck,
                    fetchers: Any, http: aiohttp.ClientSession) -> tuple[bytes, list[Message]]:
    warnings: list[Message] = []
    try:
        writer = IncrementalPdfFileWriter(BytesIO(request.input_pdf), strict=False)
        field_name = request.field_name or _free_field_name(writer)
    except (PdfError, ValueError, KeyError) as error:
        raise SignerInputError(f"input: not a readable PDF ({error})") from None
    signer = PKCS11Signer(
        session, key_id=bytes.fromhex(request.access.key_id), signing_cert=certificate,
        ca_chain=ca_certificates, use_raw_mechanism=request.access.key_type == "p256",
        prefer_pss=request.rsa_pss)
    level = request.level
    long_term = level in (SignatureLevel.B_LT, SignatureLevel.B_LTA)
    context = None
    if long_term:
        # with status unobtainable (a WARN), pyHanko must not refuse what the signer accepted
        mode = "require" if check.outcome is CheckOutcome.OK else "soft-fail"
        context = ValidationContext(
            trust_roots=list(request.trust_roots), other_certs=ca_certificates,
            moment=request.moment, allow_fetching=True, revocation_mode=mode, fetchers=fetchers)
        complete = mode == "require" and await _fetch_crls(fetchers,
                                                           [certificate, *ca_certificates])
        if not complete:
            warnings.append(_INCOMPLETE_LT)
    timestamper = None
    if level is not SignatureLevel.B_B:
        if request.tsa_url is None:
            raise SignerInputError(f"--tsa-url: level {level.value} needs a timestamp authority")
        timestamper = HTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT_SECONDS, session=http)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=request.reason,
        location=request.location, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term, use_pades_lta=level is SignatureLevel.B_LTA,
        validation_context=context, signer_key_usage=set(request.key_usage.key_usage or ()))
    field_spec = None
    if request.visible is not None:
        field_spec = fields.SigFieldSpec(sig_field_name=field_name,
                                         on_page=request.visible.page - 1,
                                         box=request.visible.box)
    pdf_signer = _PdfSignerAt(metadata, signer=signer, timestamper=timestamper,
                              stamp_style=_stamp_style(), new_field_spec=field_spec,
                              moment=request.moment)
    text = {
        "ten": request.signer_name or _subject_part(certificate, "common_name") or "",
        "co_quan": request.organisation or _subject_part(certificate, "organization_name")
        or "",
        "thoi_gian": _signing_time_text(request.moment),
    }
    output = BytesIO()
    try:
        await pdf_signer.async_sign_pdf(writer, appearance_text_params=text, output=output)
    except (TimestampRequestError, TimeoutError, aiohttp.ClientError) as error:
        raise Refusal(_fill(_TIMESTAMP_FAILED, url=request.tsa_url or "",
                             detail=str(error).splitlines()[0])) from None
    except pkcs11.TokenNotPresent:
        raise Refusal(_fill(_TOKEN_LOST, label=request.access.token_label)) from None
    except pkcs11.PKCS11Error as error:
        raise Refusal(_fill(_TOKEN_FAILED, label=request.access.token_label,
                             detail=repr(error))) from None
    except SigningError as error:
        if "field" in str(error).lower() and request.field_name:
            raise SignerInputError(f"--field: {error}") from None
        raise Refusal(_fill(_SIGNING_FAILED, detail=str(error).splitlines()[0])) from None
    except (PdfError, ValueError) as error:
        raise SignerInputError(f"input: cannot sign this PDF ({error})") from None
    return output.getvalue(), warnings


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


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SignerInputError(f"output: cannot write {path} ({error.strerror})") from None


def _holder(certificate: x509.Certificate) -> str:
    """"CN (O)" of the signer's certificate, as shown to the signer (TT15-5.1.a)."""
    name = _subject_part(certificate, "common_name") or certificate.subject.human_friendly
    organisation = _subject_part(certificate, "organization_name")
    return f"{name} ({organisation})" if organisation else name


def _answer_signed(request: _Request, check: CertificateCheck, warnings: list[Message],
                   certificate: x509.Certificate) -> SignerAnswer:
    shown = ([check.message] if check.outcome is CheckOutcome.WARN else []) + warnings
    when = _signing_time_text(request.moment)
    validity = (_fill(Message("Kết quả kiểm tra chứng thư số: {vi}",
                              "Certificate check: {en}"),
                      vi=check.message.vietnamese, en=check.message.english))
    holder = _holder(certificate)
    vietnamese = [f"Đã ký. {validity.vietnamese}. Chủ thể ký: {holder}. "
                  f"Thời điểm ký: {when}. Mức chữ ký: PAdES {request.level.value}."]
    english = [f"Signed. {validity.english}. Signer: {holder}. Signing time: {when}. "
               f"Level: PAdES {request.level.value}."]
    display = "\n".join(vietnamese + english)
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        warnings=[message.text() for message in shown], display=display)


def _answer_refused(message: Message, check: CertificateCheck | None) -> SignerAnswer:
    display = f"Chưa ký. {message.vietnamese}.\nNot signed. {message.english}."
    if check is not None and check.detail:
        display += f"\n({check.detail})"
    return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=message.text(), display=display,
                        warnings=[])


async def _async_sign(request: _Request) -> SignerAnswer:
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
                    trust_roots=request.trust_roots, moment=request.moment, fetchers=fetchers,
                    key_usage=request.key_usage)
                if check.outcome is CheckOutcome.REFUSE:
                    raise Refusal(check.message, check=check)
                login_user(session, request.module, request.pin, request.access.token_label)
                signed, warnings = await _sign_pdf(request, session, certificate,
                                                   ca_certificates, check, fetchers, http)
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check or check)
    _write_atomically(request.output, signed)
    return _answer_signed(request, check, warnings, certificate)


def sign(
    input_path: Path,
    output_path: Path,
    *,
    access: TokenAccess | Path,
    pin: str,
    trust_roots: Sequence[x509.Certificate],
    moment: datetime,
    level: SignatureLevel | str = SignatureLevel.B_LT,
    tsa_url: str | None = None,
    visible: VisibleSignature | None = None,
    reason: str | None = None,
    location: str | None = None,
    field_name: str | None = None,
    signer_name: str | None = None,
    organisation: str | None = None,
    rsa_pss: bool = False,
    module: str | None = None,
    key_usage: KeyUsageConstraints = SIGNER_KEY_USAGE,
) -> SignerAnswer:
    """Sign ``input_path`` into ``output_path`` on the token described by ``access``.

    Returns the answer (signed, or refused with a Vietnamese + English reason; a refusal writes
    no file). ``moment`` is the signing instant (the testbed's "now"): the certificate is
    checked, and the claimed signing time set, at it. ``module`` overrides the access file's
    PKCS#11 module (e.g. pkcs11-spy in front of it). Raises :class:`SignerInputError` for an
    unusable request (unreadable input, missing TSA URL for B-T+, a taken field name, ...).
    Not to be called inside a running event loop.
    """
    if isinstance(access, Path):
        access = TokenAccess.load(access)
    level = SignatureLevel.parse(level, field="level") if isinstance(level, str) else level
    try:
        data = Path(input_path).read_bytes()
    except OSError as error:
        raise SignerInputError(f"input: cannot read {input_path} ({error.strerror})") from None
    if not data.startswith(b"%PDF-"):
        raise SignerInputError(f"input: {input_path} is not a PDF file")
    try:  # fail before touching the token or the network
        IncrementalPdfFileWriter(BytesIO(data), strict=False)
    except (PdfError, ValueError, KeyError) as error:
        raise SignerInputError(f"input: {input_path} is not a readable PDF ({error})") from None
    if visible is not None and (visible.page < 1 or len(visible.box) != 4):
        raise SignerInputError("--visible: page counts from 1 and the box has four numbers")
    if level is not SignatureLevel.B_B and not tsa_url:
        raise SignerInputError(f"--tsa-url: level {level.value} needs a timestamp authority")
    request = _Request(
        input_pdf=data, output=Path(output_path), access=access, module=module or access.module,
        pin=pin, trust_roots=tuple(trust_roots), moment=moment, level=level, tsa_url=tsa_url,
        visible=visible, reason=reason, location=location, field_name=field_name,
        signer_name=signer_name, organisation=organisation, rsa_pss=rsa_pss,
        key_usage=key_usage)
    return asyncio.run(_async_sign(request))


# ---- the command line ---------------------------------------------------------------------------
def _parse_visible(text: str) -> VisibleSignature:
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [int(float(part)) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 5 or numbers[0] < 1 or numbers[1] >= numbers[3] \
            or numbers[2] >= numbers[4]:
        raise SignerInputError(
            f"--visible: '{text}' is not PAGE,X1,Y1,X2,Y2 (page from 1, X1<X2, Y1<Y2)")
    return VisibleSignature(page=numbers[0], box=(numbers[1], numbers[2], numbers[3],
                                                  numbers[4]))


def _read_pin(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise SignerInputError(f"--pin-file: cannot read {path} ({error.strerror})") from None


def signing_context_from_testbed(testbed: Any, token_label: str
                            ) -> tuple[TokenAccess, list[x509.Certificate], str | None, datetime]:
    """From a testbed: the token's access, the trusted roots, the TSA URL and "now".

    Trusted: the roots of the công vụ and public (NEAC) branches, never the unrelated root.
    TSA: the one the issuing CA of the token's certificate publishes, else the công vụ one.
    """
    from testbed.ca.branches import Branch

    state = testbed.state
    access = testbed.tokens.access(token_label)
    roots = []
    for label, authority in state.authorities.items():
        if authority.parent is None and authority.branch is not Branch.OTHER:
            armored = (testbed.directory / "trust" / f"{label}.pem").read_bytes()
            _, _, der = pem.unarmor(armored)
            roots.append(x509.Certificate.load(der))
    record = state.certificate(state.token(token_label).certificate)
    issuer = state.authorities[record.issuer]
    tsa_authority = issuer.label if issuer.tsa else next(
        (a.label for a in state.authorities.values()
         if a.tsa and a.branch is Branch.CONG_VU), None)
    tsa_url = testbed.urls(tsa_authority)["tsa"] if tsa_authority else None
    return access, roots, tsa_url, testbed.now()


def run_sign_command(arguments: argparse.Namespace, *,
                     variant: Callable[[Any], SignerAnswer] | None = None) -> int:
    """``kyso sign``: exit 0 when it answered (signed or refused), 2 for a usage error."""
    from testbed.session import Testbed

    level = SignatureLevel.parse(arguments.level)
    visible = _parse_visible(arguments.visible) if arguments.visible else None
    testbed = Testbed.open(arguments.testbed)
    try:
        access, roots, tsa_url, moment = signing_context_from_testbed(testbed, arguments.token)
    except UnknownSubscriberError as error:
        raise SignerInputError(f"--token: {error}") from None
    pin_file = arguments.pin_file or testbed.tokens.pin_file(arguments.token)
    if variant is not None:
        return _run_variant(variant, arguments, testbed, pin_file, tsa_url, moment)
    try:
        answer = sign(arguments.input, arguments.output, access=access, pin=_read_pin(pin_file),
                      trust_roots=roots, moment=moment, level=level,
                      tsa_url=arguments.tsa_url or tsa_url, visible=visible,
                      reason=arguments.reason, location=arguments.location,
                      field_name=arguments.field, signer_name=arguments.name,
                      organisation=arguments.org, rsa_pss=arguments.rsa_pss,
                      module=arguments.module)
    except TestbedError:
        raise  # the root command prints it as one line and exits 2
    except Exception as error:  # noqa: BLE001 (a signer answers; it never dumps a traceback)
        print(f"kyso sign: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 3
    _print_answer(answer, json_output=arguments.json)
    return 0


def _print_answer(answer: SignerAnswer, *, json_output: bool) -> None:
    if json_output:
        print(answer.model_dump_json(indent=2))
    else:
        print(answer.display)
        for warning in answer.warnings:
            print(f"⚠ {warning}")
        if answer.output:
            print(answer.output)
    sys.stdout.flush()


def _run_variant(variant: Callable[[Any], SignerAnswer], arguments: argparse.Namespace,
                 testbed: Any, pin_file: Path, tsa_url: str | None, moment: datetime) -> int:
    """``kyso sign --defect NAME``: another signer (a defective variant, which lives in
    :mod:`conformance.reference.defects`) answers the same request."""
    from scenarios.roles import SignRequest

    token = testbed.state.token(arguments.token)
    request = SignRequest(
        input=arguments.input, output=arguments.output,
        token_access=testbed.directory / token.access_file, pin_file=pin_file,
        token_label=token.label, trust_roots=[
            path for label, path in testbed.trust_anchor_paths().items()
            if label in ("root-cv", "root-neac")],
        tsa_url=arguments.tsa_url or tsa_url, level=SignatureLevel.parse(arguments.level).value,
        moment=moment, field_name=arguments.field)
    _print_answer(variant(request), json_output=arguments.json)
    return 0


__all__ = [
    "FONT_PATH",
    "SignerInputError",
    "VisibleSignature",
    "run_sign_command",
    "sign",
    "signing_context_from_testbed",
]
