"""``kyso verify`` for XML and CMS: the file handed to the XML verifier
(:func:`conformance.reference.xml_verifying.verify_xml`) or the CMS verifier
(:func:`conformance.reference.cms_verifying.verify_cms_in_detail`), answered as a PDF is.

Both give the same :class:`~conformance.verdict.VerifierAnswer` with the seven TT15-6.4.b fields,
so the command prints, and exits, the same way for every format. What differs is the input: a
detached signature needs its signed content (``--content``), given to the CMS verifier as the
content, to the XML verifier as the document the detached XAdES names (by file name, as the
reference signer names it; nothing is ever fetched).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509

from bilingual import say
from conformance.oracle import OracleOptions
from conformance.reference.verifier import Verification
from conformance.verdict import VerifierAnswer
from scenarios import SignatureFormat
from testbed import InvalidInputError


def _content(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInputError(say(f"--content: không đọc được {path} ({reason})",
                                    f"--content: cannot read {path} ({reason})")) from None


def _external_uris(root: Any) -> list[str]:
    """The URIs a detached XML signature names its document by: ``--content`` is that
    document whatever it is called now (the person says so; nothing is fetched)."""
    from conformance.reference.xml_parsing import NAMESPACES

    return sorted({uri for reference in root.iterfind(".//ds:Reference", NAMESPACES)
                   if (uri := reference.get("URI")) and not uri.startswith("#")})


def verify_in_format(file: Path, signature_format: SignatureFormat, content: Path | None,
                     roots: Sequence[x509.Certificate], *, at: datetime | None,
                     offline: bool) -> Verification:
    """Verify ``file`` as ``signature_format`` (not PAdES). Bad input is an answer whose
    ``error`` says why (``input_error``: nothing could be checked)."""
    if signature_format.detached:
        from conformance.reference.cms_verifying import verify_cms_in_detail

        options = OracleOptions(fetch_revocation_online=False) if offline else None
        return verify_cms_in_detail(file, _content(content), roots, at=at, options=options,
                                    expect_cades=signature_format is SignatureFormat.CADES)
    from conformance.reference.xml_parsing import XmlInputError, parse_xml
    from conformance.reference.xml_verifying import verify_xml

    data = file.read_bytes()
    try:
        root = parse_xml(data, name=str(file))
    except XmlInputError as error:
        text = str(error)
        return Verification(VerifierAnswer(error=text, display=text), None, input_error=True)
    detached = {} if content is None else dict.fromkeys(
        _external_uris(root) or [content.name], _content(content) or b"")
    answer = verify_xml(file, roots, at=at, detached=detached,
                        fetch_revocation_online=not offline)
    return Verification(answer, None)


__all__ = ["verify_in_format"]
