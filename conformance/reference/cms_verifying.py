"""The reference CMS / CAdES verifier: a ``.p7s`` over any file, answered as a PDF is.

The same face as :mod:`conformance.reference.verifier`, over the oracle's CMS entry point
(:func:`conformance.oracle.cms_validation.validate_cms`): path validation and revocation with
pyhanko-certvalidator under the same policy (trust roots given, OCSP/CRL fetched from the
testbed, the validation time pinned, the signature timestamp as proof of existence), the
EN 319 102-1 indication and sub-indication, and the same
:class:`~conformance.verdict.VerifierAnswer` with the seven TT15-6.4.b fields in Vietnamese,
so the rest of kyso reads a CMS answer unchanged.

Failures the format adds: content that is not what was signed (message-digest mismatch:
TOTAL_FAILED / HASH_FAILURE), a content-type or signing-certificate-v2 that does not match
(pyHanko's integrity check: a failure), and, when the caller expects CAdES (Annex I row 1.7), a
signature without signing-certificate-v2 (TOTAL_FAILED / FORMAT_FAILURE). Bad input never
raises: an unreadable file, a ``.p7s`` that holds no CMS, or a detached signature without its
content gives an answer whose ``error`` says so, Vietnamese first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from asn1crypto import x509

from bilingual import Said
from conformance.oracle import DocumentError, OracleOptions
from conformance.oracle.cms_validation import validate_cms
from conformance.reference.messages import Message
from conformance.reference.verifier import (
    IS_A_DIRECTORY,
    MAX_DOCUMENT_BYTES,
    TOO_LARGE,
    UNREADABLE,
    Verification,
    answer_for,
)
from conformance.verdict import VerifierAnswer


def verify_cms(signature: Path | str | bytes, content: Path | str | bytes | None,
               trust_roots: Sequence[x509.Certificate], *, at: datetime | None = None,
               options: OracleOptions | None = None,
               expect_cades: bool = False) -> VerifierAnswer:
    """Verify every signer of the CMS ``signature`` (a path or the DER bytes) over ``content``
    (a path or the bytes; None when the signature encapsulates it) at ``at`` (default now)."""
    return verify_cms_in_detail(signature, content, trust_roots, at=at, options=options,
                                expect_cades=expect_cades).answer


def verify_cms_in_detail(signature: Path | str | bytes, content: Path | str | bytes | None,
                         trust_roots: Sequence[x509.Certificate], *,
                         at: datetime | None = None, options: OracleOptions | None = None,
                         expect_cades: bool = False) -> Verification:
    """:func:`verify_cms`, also returning the oracle's full result."""
    name = "" if isinstance(signature, bytes) else Path(signature).name
    try:
        signed = _bytes(signature)
        data = None if content is None else _bytes(content)
        result = validate_cms(signed, data, trust_roots, at=at, options=options,
                              name=name or None, expect_cades=expect_cades)
    except DocumentError as error:
        message = _input_error(name, error)
        return Verification(VerifierAnswer(error=message.text(), display=message.text()), None,
                            input_error=True)
    return Verification(answer_for(result, name=name), result)


def _bytes(source: Path | str | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    path = Path(source)
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            mib = MAX_DOCUMENT_BYTES // (1024 * 1024)
            raise DocumentError(Said(f"{path}: lớn hơn {mib} MiB",
                                     f"{path}: {TOO_LARGE.format(mib=mib)}"))
        return path.read_bytes()
    except IsADirectoryError:
        raise DocumentError(Said(f"{path}: là một thư mục, không phải tệp",
                                 f"{path}: {IS_A_DIRECTORY}")) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise DocumentError(Said(f"{path}: không đọc được tệp ({reason})",
                                 f"{path}: {UNREADABLE.format(reason=reason)}")) from None


def _input_error(name: str, error: DocumentError) -> Message:
    """Why nothing could be checked, Vietnamese first (the oracle says it in both)."""
    detail = error.args[0] if error.args else str(error)
    vietnamese = detail.vietnamese if isinstance(detail, Said) else str(detail)
    english = detail.english if isinstance(detail, Said) else str(detail)
    where = f"{name}: " if name else ""
    return Message(f"{where}không kiểm tra được chữ ký: {vietnamese}",
                   f"{where}cannot check the signature: {english}")


__all__ = ["verify_cms", "verify_cms_in_detail"]
