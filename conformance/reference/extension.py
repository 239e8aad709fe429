"""Keeping a signed PDF alive: raising it to PAdES B-LT or B-LTA, and renewing its archive
timestamp, as an archive system must (``kyso extend``).

A state document is kept for decades (Decree 30/2020, the archives law); its CA's OCSP responder
and CRL will be gone long before anyone stops asking whether it is genuine. EN 319 142-1 answers
with two levels a signature can be *raised* to after signing, without the signer's key:

* **B-LT**: the certificates, OCSP responses and CRLs that validate each signature and its
  signature timestamp go into the document's DSS (gathered online, now, while the services
  answer): :func:`conformance.oracle.embed_validation_data`, which is pyHanko's
  ``add_validation_info``;
* **B-LTA**: B-LT plus a document timestamp over all of it (pyHanko's
  ``PdfTimeStamper.timestamp_pdf``, which also puts the TSA's own validation data in the DSS);
* **renewal**: before the last archive timestamp's TSA certificate expires (or its algorithms
  weaken), its validation data go into the DSS and a new document timestamp covers them
  (pyHanko's ``PdfTimeStamper.update_archival_timestamp_chain``). Once that certificate has
  expired it is too late: the oracle no longer validates the last timestamp, and the renewal
  is refused.

Everything happens at the testbed's instant, with the testbed's trust anchors and TSA; every
extension is an incremental update, so the signatures already there stay intact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import aiohttp
from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.signers import PdfTimeStamper
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from bilingual import say
from conformance.oracle import (
    FETCH_TIMEOUT_SECONDS,
    ContextAt,
    SignatureKind,
    ValidationDataError,
    embed_validation_data,
    patient_fetchers,
    validate_pdf_async,
)
from conformance.reference.pades_signing import TSA_TIMEOUT_SECONDS, _fetch_crls
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import pdf_parse_errors, read_pdf_input, write_atomically
from conformance.reference.signing_request import SignerInputError
from conformance.verdict import Indication

EXTENDED_LEVELS = (SignatureLevel.B_LT, SignatureLevel.B_LTA)
"""The levels a signed document can be raised to without its signer."""


class ExtensionError(Exception):
    """The document could not be extended (a path that does not validate, a service that does
    not answer, an archive timestamp too old to renew); the message is one line."""


@dataclass(frozen=True)
class ExtensionRequest:
    """What ``kyso extend`` is asked: the PDF, the level to reach (or an archive timestamp to
    renew), and the testbed's trust anchors, TSA and instant."""

    input_pdf: bytes
    output: Path
    level: SignatureLevel
    trust_roots: tuple[x509.Certificate, ...]
    tsa_url: str
    moment: datetime
    renew: bool = False


def extension_request(input_path: Path, output: Path, *, level: SignatureLevel | str,
                      trust_roots: Sequence[x509.Certificate], tsa_url: str | None,
                      moment: datetime, renew: bool = False) -> ExtensionRequest:
    """The request, checked before any service is asked; :class:`SignerInputError` (a usage
    error, one line) when it cannot be served."""
    if isinstance(level, str):
        level = SignatureLevel.parse(level)
    if level not in EXTENDED_LEVELS:
        raise SignerInputError(say(
            f"--level: tài liệu chỉ được bổ sung lên mức B-LT hoặc B-LTA, không phải "
            f"{level.value}",
            f"--level: a document is extended to B-LT or B-LTA, not {level.value}"))
    if renew and level is not SignatureLevel.B_LTA:
        raise SignerInputError(say("--renew: dấu thời gian lưu trữ chỉ được gia hạn ở mức B-LTA",
                                   "--renew: an archive timestamp is renewed at level B-LTA"))
    data = read_pdf_input(Path(input_path))
    with pdf_parse_errors(input_path):
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = len(reader.embedded_regular_signatures)
        archived = len(reader.embedded_timestamp_signatures)
    if signatures == 0:
        raise SignerInputError(say(
            f"input: {input_path} không có chữ ký số nào để bổ sung dữ liệu kiểm tra",
            f"input: {input_path} holds no signature to extend"))
    if renew and archived == 0:
        raise SignerInputError(say(
            f"--renew: {input_path} chưa có dấu thời gian lưu trữ (hãy bổ sung với --level "
            "B-LTA trước)",
            f"--renew: {input_path} has no archive timestamp yet (extend it with --level B-LTA "
            "first)"))
    if not tsa_url and level is SignatureLevel.B_LTA:
        raise SignerInputError(say(
            "--tsa-url: mức B-LTA cần nhà cung cấp dịch vụ cấp dấu thời gian",
            "--tsa-url: B-LTA needs a timestamp authority"))
    return ExtensionRequest(input_pdf=data, output=Path(output), level=level,
                            trust_roots=tuple(trust_roots), tsa_url=tsa_url or "",
                            moment=moment, renew=renew)


async def async_extend(request: ExtensionRequest) -> bytes:
    """The extended document's bytes; :class:`ExtensionError` when it cannot be made."""
    async with aiohttp.ClientSession() as http, \
            AIOHttpFetcherBackend(session=http,
                                  per_request_timeout=FETCH_TIMEOUT_SECONDS) as backend:
        fetchers = patient_fetchers(backend)
        context = ValidationContext(
            trust_roots=list(request.trust_roots), moment=request.moment, allow_fetching=True,
            revocation_mode="require", fetchers=fetchers)
        stamper = PdfTimeStamper(HTTPTimeStamper(request.tsa_url, timeout=TSA_TIMEOUT_SECONDS,
                                                 session=http))
        def context_at(proven: datetime | None) -> ValidationContext:
            if proven is None or proven >= request.moment:
                return context
            return ValidationContext(
                trust_roots=list(request.trust_roots), moment=proven, retroactive_revinfo=True,
                allow_fetching=True, revocation_mode="require", fetchers=fetchers)

        try:
            if request.renew:
                return await _renewed(request, stamper, context)
            data = await _with_validation_data(request.input_pdf, context_at, fetchers)
            if request.level is SignatureLevel.B_LTA:
                data = await _archive_timestamped(data, stamper, context)
            return data
        except ValidationDataError as error:
            raise ExtensionError(say(f"dữ liệu kiểm tra: {error}", f"validation data: {error}")) \
                from None
        except (PathBuildingError, PathValidationError) as error:
            raise ExtensionError(say(
                f"dấu thời gian lưu trữ cuối cùng không hợp lệ tại "
                f"{request.moment.isoformat()}: {_first_line(error)}",
                f"the last archive timestamp does not validate at "
                f"{request.moment.isoformat()}: {_first_line(error)}")) from None
        except (TimestampRequestError, TimeoutError, aiohttp.ClientError) as error:
            raise ExtensionError(say(
                f"dấu thời gian từ {request.tsa_url}: {_first_line(error)}",
                f"timestamp from {request.tsa_url}: {_first_line(error)}")) from None


async def _with_validation_data(pdf: bytes, context_at: ContextAt, fetchers: Any) -> bytes:
    """B-LT: each signature's validation data in the DSS, gathered for the time its signature
    timestamp proves (so that a certificate revoked or expired since still yields its path and
    the OCSP answer that says when). The CRLs of its chain are fetched too, as the reference
    signer does (TT15 Art. 5.4.b keeps *the CRL* with the message), so that they are in the
    fetchers' cache when pyHanko writes the DSS."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    for signature in reader.embedded_regular_signatures:
        await _fetch_crls(fetchers, [signature.signer_cert,
                                     *signature.other_embedded_certs])
    return await embed_validation_data(pdf, context_at)


async def _archive_timestamped(pdf: bytes, stamper: PdfTimeStamper,
                               context: ValidationContext) -> bytes:
    """B-LTA: a document timestamp over the whole document, its TSA's data in the DSS."""
    output = BytesIO()
    await stamper.async_timestamp_pdf(IncrementalPdfFileWriter(BytesIO(pdf), strict=False),
                                      "sha256", context, output=output)
    return output.getvalue()


async def _renewed(request: ExtensionRequest, stamper: PdfTimeStamper,
                   context: ValidationContext) -> bytes:
    """The last archive timestamp validated now, its data in the DSS, and a new one on top.

    pyHanko's renewal validates the last timestamp but writes the new one whatever the answer;
    an archive must not, so the oracle judges it first (with fetching, at the instant): a
    timestamp whose TSA certificate has expired or been revoked proves nothing any more, and
    a new timestamp over it would only pretend a continuity that was lost.
    """
    pdf = request.input_pdf
    stamps = [result for result in (await validate_pdf_async(
        pdf, request.trust_roots, at=request.moment)).signatures
        if result.kind is SignatureKind.DOCUMENT_TIMESTAMP]
    if stamps and stamps[-1].indication is not Indication.TOTAL_PASSED:
        raise ExtensionError(say(
            f"dấu thời gian lưu trữ cuối cùng không còn hợp lệ tại "
            f"{request.moment.isoformat()} (đã quá muộn để gia hạn): {stamps[-1].reason}",
            f"the last archive timestamp no longer validates at "
            f"{request.moment.isoformat()} (too late to renew): {stamps[-1].reason}"))
    output = BytesIO()
    await stamper.async_update_archival_timestamp_chain(
        PdfFileReader(BytesIO(pdf), strict=False), context, in_place=False, output=output)
    return output.getvalue()


def write_extended(path: Path, data: bytes) -> None:
    """Write the extended document whole or not at all (the signer's atomic write)."""
    write_atomically(path, data, option="--out")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
