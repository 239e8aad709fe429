"""``remote-hash``: a remote API signs a digest; kyso, as the calling software, makes the PDF.

The NEAC-standard remote signing flow (SmartCA / MySign style): the calling software asks for
the holder's certificate, computes what to sign, sends the digest, and the holder confirms on
a phone; the software polls until the signature comes back and then assembles the PDF
signature. Here:

1. the profile's ``certificate`` steps give the signer's certificate (and chain);
2. pyHanko prepares the PAdES signature (:class:`PdfSignerAt`, at the testbed instant) with a
   :class:`ServiceSigner` whose ``async_sign_raw`` runs the ``sign_hash`` steps (polling for the
   confirmation) with ``{hash_base64}`` = the digest of the CMS signed attributes;
3. pyHanko finishes the signature at the requested level: the TSA's timestamp (B-T), the
   validation data in a DSS (B-LT, with a validation context built from the request's trust
   anchors at the request's instant, as the reference signer does) and a document timestamp
   (B-LTA). No CMS is written by hand.

The SERVICE decides whether to sign: its refusal code ends the case as a refusal with its
message verbatim. kyso checks the certificate only to decide how much validation data it can
embed: a certificate it cannot validate gets a signature without a DSS (and a note in the
evidence), so that a service that signs anyway is caught by the inspection, not hidden by kyso.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import aiohttp
from asn1crypto import algos, pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers import Fetchers
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.registry import SimpleCertificateStore

from bilingual import say
from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    SIGNER_KEY_USAGE,
    CheckOutcome,
    patient_fetchers,
)
from conformance.reference.certificate_check import async_check_certificate
from conformance.reference.messages import Message
from conformance.reference.pades_signing import (
    TSA_TIMEOUT_SECONDS,
    _fetch_crls,
    _free_field_name,
    _signing_time_text,
    _stamp_style,
    _subject_part,
)
from conformance.reference.roles import VISIBLE_BOX
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.verifier import trust_roots_from_files
from conformance.sut.service.answers import (
    collect_warnings,
    display_of,
    refusal,
    stored_evidence,
    write_output,
)
from conformance.sut.service.selectors import decode_base64, excerpt
from conformance.sut.service.steps import Operation, StepOutcome, select
from conformance.sut.service.transport import INVALID_ANSWER, START_ERROR, ServiceFailure
from conformance.sut.service_profile import ServiceAdapter, Step
from scenarios import SignerAnswer, SignerOutcome, SignRequest
from testbed import PdfSignerAt


class StepDriver(Protocol):
    """What the remote-hash operation needs from the adapter: its settings and a way to run a
    list of steps (:class:`conformance.sut.service.adapter.ServiceSut` is one)."""

    service: ServiceAdapter

    async def run_steps(self, steps: list[Step], operation: Operation) -> list[StepOutcome]:
        ...

DRY_RUN_SIGNATURE_BYTES = 512
"""What pyHanko's size estimate gets instead of a signature (RSA-4096 and any DER ECDSA fit)."""
_TIMESTAMP_FAILED = Message("Không lấy được dấu thời gian từ {url}: {detail}",
                            "Could not obtain a timestamp from {url}: {detail}")


class _Refused(Exception):  # noqa: N818 (control flow: the service's refusal inside pyHanko)
    def __init__(self, outcome: StepOutcome) -> None:
        super().__init__(outcome.message or "")
        self.outcome = outcome


class ServiceSigner(signers.Signer):
    """A pyHanko signer whose raw signature comes from the remote service."""

    def __init__(self, *, certificate: x509.Certificate, chain: list[x509.Certificate],
                 prefer_pss: bool, sign_digest: Callable[[bytes, str], Awaitable[bytes]]) -> None:
        super().__init__(prefer_pss=prefer_pss, signing_cert=certificate,
                         cert_registry=SimpleCertificateStore.from_certs(chain))
        self._sign_digest = sign_digest
        self.asked = False

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(DRY_RUN_SIGNATURE_BYTES)
        self.asked = True
        digest = hashlib.new(digest_algorithm.lower(), data).digest()
        return await self._sign_digest(digest, digest_algorithm.lower())


def signature_algorithm(certificate: x509.Certificate, rsa_pss: bool) -> str:
    """{signature_algorithm}: what the service is asked to do with the digest."""
    if certificate.public_key.algorithm == "ec":
        return "ecdsa"
    return "rsa-pss" if rsa_pss else "rsa-pkcs1v15"


def parse_certificate(value: Any, where: str) -> x509.Certificate:
    """A certificate from DER bytes, base64 DER text or PEM text; ServiceFailure otherwise."""
    try:
        if isinstance(value, str) and "-----BEGIN" in value:
            _, _, der = pem.unarmor(value.encode("ascii"))
        elif isinstance(value, str):
            der = decode_base64(value)
        elif isinstance(value, bytes):
            der = pem.unarmor(value)[2] if pem.detect(value) else value
        else:
            raise ValueError(say(f"không phải chứng thư chữ ký số mà là {type(value).__name__}",
                                 f"not a certificate but {type(value).__name__}"))
        certificate = x509.Certificate.load(der)
        certificate.native  # noqa: B018 (parse it all now: a broken one fails here)
    except (ValueError, TypeError) as error:
        raise ServiceFailure(INVALID_ANSWER, f"{where}: " + say(
            f"không phải chứng thư chữ ký số ({error}); nhận được {excerpt(value)}",
            f"not a certificate ({error}); got {excerpt(value)}")) from None
    return certificate


def der_ecdsa(signature: bytes) -> bytes:
    """An ECDSA signature as DER (a raw r||s, as some services answer, is converted)."""
    try:
        parsed = algos.DSASignature.load(signature)
        if parsed.dump(force=True) == signature:
            return signature
    except ValueError:
        pass
    if len(signature) % 2 == 0 and signature:
        return algos.DSASignature.from_p1363(signature).dump()
    raise ValueError(say("không phải DER cũng không phải r||s", "neither DER nor r||s"))


async def sign_remote_hash(sut: StepDriver, request: SignRequest, operation: Operation
                           ) -> SignerAnswer:
    """The whole remote-hash signing operation (inside the adapter's deadline)."""
    service = sut.service
    certificate_operation = replace(operation, name="certificate")
    outcomes = await sut.run_steps(service.certificate, certificate_operation)
    if outcomes[-1].meaning == "refused":
        return refusal(outcomes[-1])
    certificate, chain = _certificates(outcomes, certificate_operation)
    algorithm = signature_algorithm(certificate, service.rsa_pss)
    hash_operation = replace(operation, name="sign_hash")
    hash_outcomes: list[StepOutcome] = []

    async def sign_digest(digest: bytes, digest_algorithm: str) -> bytes:
        hash_operation.values.update(hash_base64=base64.b64encode(digest).decode("ascii"),
                                     hash_algorithm=digest_algorithm,
                                     signature_algorithm=algorithm)
        hash_outcomes[:] = await sut.run_steps(service.sign_hash, hash_operation)
        if hash_outcomes[-1].meaning == "refused":
            raise _Refused(hash_outcomes[-1])
        return _raw_signature(hash_outcomes, hash_operation, algorithm)

    signer = ServiceSigner(certificate=certificate, chain=chain,
                           prefer_pss=algorithm == "rsa-pss", sign_digest=sign_digest)
    try:
        data = await _assemble(request, signer, certificate, chain, operation)
    except _Refused as refused:
        return refusal(refused.outcome)
    except TimestampRequestError as error:
        message = Message(_TIMESTAMP_FAILED.vietnamese.format(url=request.tsa_url, detail=error),
                          _TIMESTAMP_FAILED.english.format(url=request.tsa_url, detail=error))
        return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=message.text(),
                            display=f"Chưa ký. {message.vietnamese}.\nNot signed. "
                            f"{message.english}.")
    write_output(Path(request.output), data)
    every = outcomes + hash_outcomes
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        warnings=collect_warnings(every, operation),
                        display=display_of(every, operation),
                        evidence=stored_evidence(every, operation))


def _certificates(outcomes: list[StepOutcome], operation: Operation
                  ) -> tuple[x509.Certificate, list[x509.Certificate]]:
    certificate: x509.Certificate | None = None
    chain: list[x509.Certificate] = []
    for outcome in outcomes:
        reply = outcome.step.reply
        if reply.certificate is not None:
            certificate = parse_certificate(select(outcome.record, "certificate",
                                                   reply.certificate, outcome.document,
                                                   operation), "reply.certificate")
        if reply.chain is not None:
            found = select(outcome.record, "chain", reply.chain, outcome.document, operation)
            items = found if isinstance(found, list) else [found]
            chain = [parse_certificate(item, f"reply.chain[{index}]")
                     for index, item in enumerate(items) if item]
    assert certificate is not None  # the profile check makes sure a step gives it
    return certificate, chain


def _raw_signature(outcomes: list[StepOutcome], operation: Operation, algorithm: str) -> bytes:
    source = next(o for o in reversed(outcomes) if isinstance(o.step.reply.signature, str))
    selector = source.step.reply.signature
    assert isinstance(selector, str)
    value = select(source.record, "signature", selector, source.document, operation)
    try:
        raw = decode_base64(value) if isinstance(value, str) else value
        if not isinstance(raw, bytes) or not raw:
            raise ValueError(say(f"không có byte chữ ký mà là {type(raw).__name__}",
                                 f"no signature bytes but {type(raw).__name__}"))
        return der_ecdsa(raw) if algorithm == "ecdsa" else raw
    except ValueError as error:
        raise ServiceFailure(INVALID_ANSWER, "reply.signature: " + say(
            f"không phải chữ ký dùng được ({error}); nhận được {excerpt(value)}",
            f"not a usable signature ({error}); got {excerpt(value)}")) from None


async def _assemble(request: SignRequest, signer: ServiceSigner, certificate: x509.Certificate,
                    chain: list[x509.Certificate], operation: Operation) -> bytes:
    """pyHanko signs the input at the requested level, asking the service for the signature."""
    level = SignatureLevel.parse(request.level, field="level")
    if level is not SignatureLevel.B_B and not request.tsa_url:
        raise ServiceFailure(START_ERROR, say(
            f"mức {level.value} cần nhà cung cấp dịch vụ cấp dấu thời gian và yêu cầu không có",
            f"level {level.value} needs a timestamp authority and the request has none"))
    writer, field_name = _open_input(request)
    roots = trust_roots_from_files(request.trust_roots)
    notes: list[str] = []
    async with aiohttp.ClientSession() as http, \
            AIOHttpFetcherBackend(session=http,
                                  per_request_timeout=FETCH_TIMEOUT_SECONDS) as backend:
        fetchers = patient_fetchers(backend)
        context, long_term = await _validation_context(level, request, certificate, chain,
                                                       roots, fetchers, notes)
        timestamper = None if level is SignatureLevel.B_B else HTTPTimeStamper(
            request.tsa_url or "", timeout=TSA_TIMEOUT_SECONDS, session=http)
        pdf_signer = _pdf_signer(request, level, field_name, signer, timestamper, context,
                                 long_term)
        output = BytesIO()
        text = {"ten": _subject_part(certificate, "common_name") or "",
                "co_quan": _subject_part(certificate, "organization_name") or "",
                "thoi_gian": _signing_time_text(request.moment)}
        try:
            await pdf_signer.async_sign_pdf(
                writer, output=output, appearance_text_params=text if request.visible else None)
        except (SigningError, PdfError, ValueError) as error:
            if isinstance(error.__cause__, _Refused | ServiceFailure):
                raise error.__cause__ from None
            first = (str(error).splitlines() or [""])[0]
            cause = f"{type(error).__name__}: {first}"
            raise ServiceFailure(INVALID_ANSWER, say(
                "pyHanko không ghép được chữ ký "
                + ("sau khi dịch vụ ký" if signer.asked else "trước khi hỏi dịch vụ")
                + f": {cause}",
                "pyHanko could not assemble the signature "
                + ("after the service signed" if signer.asked else "before asking the service")
                + f": {cause}")) from None
        finally:
            operation.notes.extend(notes)
    return output.getvalue()


def _open_input(request: SignRequest) -> tuple[IncrementalPdfFileWriter, str]:
    """The input PDF opened for an incremental update, and the signature field's name."""
    document = Path(request.input).read_bytes()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(document), strict=False)
        field_name = request.field_name or _free_field_name(writer)
    except (PdfError, ValueError, KeyError) as error:
        raise ServiceFailure(START_ERROR, say(f"tệp đầu vào không phải PDF đọc được ({error})",
                                              f"the input is not a readable PDF ({error})")
                             ) from None
    return writer, field_name


async def _validation_context(level: SignatureLevel, request: SignRequest,
                              certificate: x509.Certificate, chain: list[x509.Certificate],
                              roots: list[x509.Certificate], fetchers: Fetchers,
                              notes: list[str]) -> tuple[ValidationContext | None, bool]:
    """For B-LT and B-LTA: the validation context whose data is embedded, and whether it is
    (False when kyso cannot validate the certificate: the service decides whether to sign)."""
    if level not in (SignatureLevel.B_LT, SignatureLevel.B_LTA):
        return None, False
    check = await async_check_certificate(
        certificate, chain_candidates=chain, trust_roots=roots, moment=request.moment,
        fetchers=fetchers)
    if check.outcome is CheckOutcome.REFUSE:
        notes.append(f"kyso cannot validate the certificate ({check.message.english}): "
                     "the signature is assembled without validation data; the service "
                     "decides whether to sign")
        return None, False
    mode = "require" if check.outcome is CheckOutcome.OK else "soft-fail"
    context = ValidationContext(
        trust_roots=roots, other_certs=chain, moment=request.moment,
        allow_fetching=True, revocation_mode=mode, fetchers=fetchers)
    if not (mode == "require" and await _fetch_crls(fetchers, [certificate, *chain])):
        notes.append("the validation data (OCSP/CRL) embedded is incomplete")
    return context, True


def _pdf_signer(request: SignRequest, level: SignatureLevel, field_name: str,
                signer: ServiceSigner, timestamper: HTTPTimeStamper | None,
                context: ValidationContext | None, long_term: bool) -> PdfSignerAt:
    """pyHanko's PAdES signer at the testbed instant (visible stamp if asked)."""
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=request.reason,
        location=request.location, subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=long_term, use_pades_lta=long_term
        and level is SignatureLevel.B_LTA, validation_context=context,
        signer_key_usage=set(SIGNER_KEY_USAGE.key_usage or ()))
    visible: dict[str, Any] = {}
    if request.visible:
        visible = {"stamp_style": _stamp_style(),
                   "new_field_spec": fields.SigFieldSpec(
                       sig_field_name=field_name, on_page=VISIBLE_BOX.page - 1,
                       box=VISIBLE_BOX.box)}
    return PdfSignerAt(metadata, signer=signer, timestamper=timestamper,
                       moment=request.moment, **visible)


__all__ = ["ServiceSigner", "der_ecdsa", "parse_certificate", "sign_remote_hash",
           "signature_algorithm"]
