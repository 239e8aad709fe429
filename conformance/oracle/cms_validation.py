"""The oracle's entry point for CMS / CAdES signatures over any file (``.p7s``).

:func:`validate_cms` opens the signature and its content (:mod:`.cms`) and runs the same
:func:`~conformance.oracle.validation.validate_document` a PDF goes through: the EN 319 102-1
process the signature's level calls for (basic for B-B, with time once a signature timestamp is
the proof of existence), the document's own validation data first (SignedData ``crls``), online
OCSP/CRL where those fall short, and the verdict rules. Two things are then said that only a
CMS signature needs:

* its format, by what it carries: CAdES at its baseline level (EN 319 122-1) when the ESS
  signing-certificate(-v2) attribute binds the signer's certificate, otherwise a plain CMS
  signature (RFC 5652), never called CAdES;
* when the caller expects CAdES (``expect_cades``: TT15 Annex I row 1.7), a signature without
  signing-certificate-v2 fails with FORMAT_FAILURE: it is not a CAdES signature at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from asn1crypto import x509

from conformance.oracle.cms import CmsDocument, CmsSignature
from conformance.oracle.model import DocumentResult, OracleOptions, SignatureResult
from conformance.oracle.validation import validate_document
from conformance.verdict import Indication, SubIndication
from testbed import wall_clock, whole_seconds

NOT_CADES = ("the signature carries no signing-certificate-v2 attribute (ESS, RFC 5035), which "
             "ETSI EN 319 122-1 requires of every CAdES baseline signature: it is a plain CMS "
             "signature, not CAdES")


def cms_format(signature: CmsSignature, result: SignatureResult) -> str:
    """What the signature is: CAdES at the level it carries, or plain CMS (never called CAdES
    without signing-certificate-v2, whatever timestamp it carries)."""
    level = result.carried_level
    if signature.has_signing_certificate_attribute:
        shown = f"CAdES baseline {level.value}" if level is not None else "CAdES"
        return f"{shown} (ETSI EN 319 122-1)"
    # no words here: the line is shown as is in the Vietnamese block and the English one
    stamped = " + RFC 3161" if signature.signature_timestamp is not None else ""
    return f"CMS (RFC 5652{stamped})"


def _judged(signature: CmsSignature, result: SignatureResult, *,
            expect_cades: bool) -> SignatureResult:
    update: dict[str, object] = {"signature_format": cms_format(signature, result)}
    if expect_cades and not signature.has_signing_certificate_attribute \
            and result.indication is not Indication.TOTAL_FAILED:
        update.update(indication=Indication.TOTAL_FAILED,
                      sub_indication=SubIndication.FORMAT_FAILURE, reason=NOT_CADES)
    return result.model_copy(update=update)


async def validate_cms_async(signature: bytes, content: bytes | None,
                             trust_roots: Sequence[x509.Certificate], *,
                             at: datetime | None = None, options: OracleOptions | None = None,
                             name: str | None = None,
                             expect_cades: bool = False) -> DocumentResult:
    """Validate every signer of the CMS ``signature`` over ``content`` (None: the content is
    encapsulated) at ``at`` (default now). Raises
    :class:`~conformance.oracle.model.DocumentError` when ``signature`` is no readable CMS
    SignedData, or a detached one comes without its content."""
    options = options or OracleOptions()
    validation_time = whole_seconds(at) if at is not None else wall_clock()
    document = CmsDocument(signature, content, name=name)
    result = await validate_document(document, trust_roots, validation_time=validation_time,
                                     options=options)
    judged = [_judged(one, answer, expect_cades=expect_cades)
              for one, answer in zip(document.signatures, result.signatures, strict=True)]
    return result.model_copy(update={"signatures": judged})


def validate_cms(signature: bytes, content: bytes | None,
                 trust_roots: Sequence[x509.Certificate], *, at: datetime | None = None,
                 options: OracleOptions | None = None, name: str | None = None,
                 expect_cades: bool = False) -> DocumentResult:
    """Synchronous :func:`validate_cms_async` (runs its own event loop: not inside one)."""
    return asyncio.run(validate_cms_async(signature, content, trust_roots, at=at,
                                          options=options, name=name,
                                          expect_cades=expect_cades))


__all__ = ["NOT_CADES", "cms_format", "validate_cms", "validate_cms_async"]
