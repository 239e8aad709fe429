"""The reference signer: PAdES baseline signatures made on a subscriber's PKCS#11 token.

What it does, in the order TT 15/2025 Art. 5 and Decree 68 Art. 29 give:

1. reach the token through the module named in its access file (the testbed's lockout module,
   so locked and lost tokens behave as real ones) and read the certificates stored on it, without
   logging in (:mod:`.signing_token`);
2. check the signer's certificate before allowing signing (TT15-5.1.a / 5.2, ND68-29.1–29.2,
   Annex II 1.1–1.2; :mod:`.certificate_check`): a refusal ends here, before the PIN is asked
   for, and **no output file is written**; an unobtainable revocation status is a warning, and
   signing proceeds (Annex II 1.2 asks a warning, not a refusal);
3. log in with the PIN (wrong PIN, locked, lost or absent token: a refusal with a clear reason);
4. sign with the key on the token through pyHanko's :class:`PKCS11Signer` (the private key never
   leaves it: C_Sign only), as PAdES B-B (signing-certificate-v2, claimed signing time /M), B-T
   (+ signature timestamp from the CA's published TSA, ND68-29.4), B-LT (+ DSS with the OCSP
   responses and CRLs at signing time, which is what TT15-5.4 asks to keep with the message) or
   B-LTA (+ document timestamp) (:mod:`.pades_signing`);
5. tell the signer "Đã ký" / "Chưa ký" and the validity-check result, Vietnamese first
   (TT15-5.6.a/b).

The signature is always an incremental update: the bytes of the input are the first bytes of the
output, earlier signatures stay valid (an organisation seal over a personal signature), and the
new signature's byte range covers the whole file as written.

RSA keys sign with sha256WithRSAEncryption (PKCS#1 v1.5) by default; ``rsa_pss=True`` signs with
RSASSA-PSS instead. Open question (legal-requirements.md, open question 2): TT15 Annex I row 1.2
names RSASSA-PSS for signing; whether that makes v1.5 signatures non-conformant, or describes only
what a CA must support, is not settled, so both are offered and v1.5 stays the default because
every verifier in the field accepts it. EC keys and the visible appearance (Decree 30/2020
Annex I): see :mod:`.pades_signing`.

What it can be asked, and how it declines, is :mod:`.signing_request`; ``kyso sign`` is
:mod:`.sign_command`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
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
from conformance.reference.messages import Message
from conformance.reference.pades_signing import _signing_time_text, _subject_part, sign_on_token
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signing_request import (
    Refusal,
    SignerInputError,
    SigningRequest,
    VisibleSignature,
    fill_message,
)
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.verdict import SignerAnswer, SignerOutcome
from testbed import TokenAccess


def _answer_signed(request: SigningRequest, check: CertificateCheck, warnings: list[Message],
                   certificate: x509.Certificate) -> SignerAnswer:
    shown = ([check.message] if check.outcome is CheckOutcome.WARN else []) + warnings
    when = _signing_time_text(request.moment)
    validity = (fill_message(Message("Kết quả kiểm tra chứng thư chữ ký số: {vi}",
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
    """"Chưa ký." with the reason in kyso's words, Vietnamese first; the validation library's
    own (English) words follow the English only, in parentheses, never on a line of their own."""
    detail = f" ({check.detail})" if check is not None and check.detail else ""
    display = f"Chưa ký. {message.vietnamese}.\nNot signed. {message.english}{detail}."
    return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=message.text(), display=display,
                        warnings=[])


async def _async_sign(request: SigningRequest) -> SignerAnswer:
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
                signed, warnings = await sign_on_token(request, session, certificate,
                                                       ca_certificates, check, fetchers, http)
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check or check)
    write_atomically(request.output, signed)
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
    data = _read_pdf(Path(input_path))
    if visible is not None and (visible.page < 1 or len(visible.box) != 4):
        raise SignerInputError(say("--visible: số trang tính từ 1 và khung gồm bốn số",
                                   "--visible: page counts from 1 and the box has four numbers"))
    if level is not SignatureLevel.B_B and not tsa_url:
        raise SignerInputError(say(
            f"--tsa-url: mức {level.value} cần nhà cung cấp dịch vụ cấp dấu thời gian",
            f"--tsa-url: level {level.value} needs a timestamp authority"))
    request = SigningRequest(
        input_pdf=data, output=Path(output_path), access=access, module=module or access.module,
        pin=pin, trust_roots=tuple(trust_roots), moment=moment, level=level, tsa_url=tsa_url,
        visible=visible, reason=reason, location=location, field_name=field_name,
        signer_name=signer_name, organisation=organisation, rsa_pss=rsa_pss,
        key_usage=key_usage)
    return asyncio.run(_async_sign(request))


def _read_pdf(input_path: Path) -> bytes:
    """The bytes of the PDF to sign, read and parsed before the token or the network is
    touched; :class:`SignerInputError` names the input when it is no readable PDF."""
    data = read_pdf_input(input_path)
    with pdf_parse_errors(input_path):
        IncrementalPdfFileWriter(BytesIO(data), strict=False)
    return data


def read_pdf_input(input_path: Path) -> bytes:
    """The bytes of an input that must be a PDF (signing, extending), or the one-line
    :class:`SignerInputError` naming it: unreadable, or no PDF header."""
    try:
        data = Path(input_path).read_bytes()
    except OSError as error:
        raise SignerInputError(say(f"input: không đọc được {input_path} ({error.strerror})",
                                   f"input: cannot read {input_path} ({error.strerror})")) from None
    if not data.startswith(b"%PDF-"):
        raise SignerInputError(say(f"input: {input_path} không phải tệp PDF",
                                   f"input: {input_path} is not a PDF file"))
    return data


@contextlib.contextmanager
def pdf_parse_errors(input_path: Path) -> Iterator[None]:
    """Inside the block, pyHanko failing to parse ``input_path`` (broken structure, objects
    nested too deeply or in a cycle: pyHanko reads them recursively) is a one-line
    :class:`SignerInputError`, not a traceback."""
    try:
        yield
    except (PdfError, ValueError, KeyError) as error:
        raise SignerInputError(say(
            f"input: không đọc được tệp PDF {input_path} ({error})",
            f"input: {input_path} is not a readable PDF ({error})")) from None
    except RecursionError:
        raise SignerInputError(say(
            f"input: {input_path}: tệp PDF bị hỏng, các đối tượng lồng nhau quá sâu hoặc tham "
            "chiếu vòng", f"input: {input_path}: a damaged PDF, objects nested too deeply or "
            "in a cycle")) from None


def write_atomically(path: Path, data: bytes, *, option: str = "output") -> None:
    """Write ``data`` to ``path`` whole or not at all (never a half-signed or half-extended
    document); ``option`` names what the user gave the path as, for the one-line error."""
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise SignerInputError(say(f"{option}: không ghi được {path} ({error.strerror})",
                                   f"{option}: cannot write {path} ({error.strerror})")) from None


def _holder(certificate: x509.Certificate) -> str:
    """"CN (O)" of the signer's certificate, as shown to the signer (TT15-5.1.a)."""
    name = _subject_part(certificate, "common_name") or certificate.subject.human_friendly
    organisation = _subject_part(certificate, "organization_name")
    return f"{name} ({organisation})" if organisation else name


def signing_context_from_testbed(testbed: Any, token_label: str
                            ) -> tuple[TokenAccess, list[x509.Certificate], str | None, datetime]:
    """From a testbed: the token's access, the trusted roots, the TSA URL and "now".

    Trusted: the roots of the công vụ and public (NEAC) branches, never the unrelated root.
    TSA: the one the issuing CA of the token's certificate publishes, else the công vụ one.
    """
    from testbed import Branch

    state = testbed.state
    access = testbed.tokens.access(token_label)
    roots = testbed_trust_roots(testbed)
    record = state.certificate(state.token(token_label).certificate)
    issuer = state.authorities[record.issuer]
    tsa_authority = issuer.label if issuer.tsa else next(
        (a.label for a in state.authorities.values()
         if a.tsa and a.branch is Branch.CONG_VU), None)
    tsa_url = testbed.urls(tsa_authority)["tsa"] if tsa_authority else None
    return access, roots, tsa_url, testbed.now()


def testbed_trust_roots(testbed: Any) -> list[x509.Certificate]:
    """The roots of the testbed's công vụ and public (NEAC) branches, never the unrelated root:
    what the reference tools trust."""
    from testbed import Branch

    roots = []
    for label, authority in testbed.state.authorities.items():
        if authority.parent is None and authority.branch is not Branch.OTHER:
            armored = (testbed.directory / "trust" / f"{label}.pem").read_bytes()
            _, _, der = pem.unarmor(armored)
            roots.append(x509.Certificate.load(der))
    return roots


__all__ = [
    "sign",
    "signing_context_from_testbed",
    "testbed_trust_roots",
]
