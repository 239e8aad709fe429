"""Which signature format a file is, for ``kyso sign`` and ``kyso verify``: read from the input
itself, or taken from ``--format``.

A person hands the reference tools a file and expects them to know what it is, as a signing
program does: a PDF header is PAdES (TT15/2025 Annex I row 1.5); an XML document carrying a
``ds:Signature`` is XAdES when the signature has ``xades:QualifyingProperties`` (row 1.6), else
plain XML-DSig as e-invoice software writes it; a CMS ``SignedData`` (DER or PEM) is CAdES when
its signer names its certificate with ESS signing-certificate-v2 (row 1.7), else plain CMS
(row 1.4). For signing, an unsigned XML document is XAdES and any other file is signed detached
in CAdES. Parsing uses lxml through kyso's safe parser (no entity, no DTD, no network) and
asn1crypto for CMS: nothing is decoded by hand.

Kept apart from the signers and verifiers (which load pyHanko, aiohttp and PKCS#11) so that
choosing costs nothing beyond reading the file.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import cms, pem

from bilingual import say
from scenarios import SignatureFormat
from testbed import InvalidInputError

SNIFF_BYTES = 1024
"""A PDF header may follow up to 1024 bytes of junk (ISO 32000-1 Annex H.3, as readers
accept)."""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise InvalidInputError(say(f"{path}: là một thư mục, không phải tệp",
                                    f"{path}: is a directory, not a file")) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise InvalidInputError(say(f"{path}: không đọc được tệp ({reason})",
                                    f"{path}: cannot read the file ({reason})")) from None


def _head(path: Path) -> bytes:
    """The first bytes only: a PDF is known by them, and a 200 MB PDF is not read twice."""
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError:
        return _read(path)  # says why, in one line


def _looks_like_xml(data: bytes) -> bool:
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _xml_format(data: bytes, path: Path) -> SignatureFormat | None:
    """xades / xmldsig for a signed XML document, None for one without a signature."""
    from conformance.reference.xml_parsing import NAMESPACES, parse_xml

    root = parse_xml(data, name=str(path))
    signatures = root.findall(".//ds:Signature", NAMESPACES)
    if root.tag == f"{{{NAMESPACES['ds']}}}Signature":
        signatures.insert(0, root)
    if not signatures:
        return None
    qualified = any(signature.find(".//xades:QualifyingProperties", NAMESPACES) is not None
                    for signature in signatures)
    return SignatureFormat.XADES if qualified else SignatureFormat.XMLDSIG


def _cms_format(data: bytes) -> SignatureFormat | None:
    """cades / cms for a CMS SignedData in DER or PEM, None for anything else."""
    if pem.detect(data):
        try:
            _, _, data = pem.unarmor(data)
        except ValueError:
            return None
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            return None
        signers = info["content"]["signer_infos"]
        attributes = [attribute["type"].native for signer in signers
                      for attribute in (signer["signed_attrs"] or [])]
    except (ValueError, TypeError, KeyError):
        return None
    return SignatureFormat.CADES if "signing_certificate_v2" in attributes \
        else SignatureFormat.CMS


def detect(path: Path) -> SignatureFormat | None:
    """The format of a signed file, or None when it is none of them (an unsigned XML
    document, any other file). Raises :class:`InvalidInputError` (one line naming the file)
    for a file that cannot be read, or XML kyso will not read."""
    if b"%PDF-" in _head(path):
        return SignatureFormat.PADES
    data = _read(path)
    if _looks_like_xml(data):
        return _xml_format(data, path)
    return _cms_format(data)


def parse_format(text: str | None) -> SignatureFormat | None:
    """``--format``'s value, or None when not given."""
    if text is None:
        return None
    try:
        return SignatureFormat(text.strip().lower())
    except ValueError:
        choices = ", ".join(f.value for f in SignatureFormat)
        raise InvalidInputError(say(f"--format: không biết định dạng {text!r} (dùng {choices})",
                                    f"--format: unknown format {text!r} (use {choices})")
                                ) from None


def verification_format(path: Path, given: str | None) -> SignatureFormat:
    """What ``kyso verify FILE`` checks: ``--format`` if given, else what the file is. A file
    that is none of them (or cannot be read) goes to the PDF verifier, which has always said
    why it cannot check it ("not a PDF", "cannot be read"); an unsigned XML document to the
    XML verifier, which says it holds no signature."""
    chosen = parse_format(given)
    if chosen is not None:
        return chosen
    try:
        if b"%PDF-" in _head(path):
            return SignatureFormat.PADES
        data = _read(path)
    except InvalidInputError:
        return SignatureFormat.PADES
    if _looks_like_xml(data):
        return _xml_format(data, path) or SignatureFormat.XADES
    return _cms_format(data) or SignatureFormat.PADES


def signing_format(path: Path, given: str | None) -> SignatureFormat:
    """What ``kyso sign INPUT`` makes: ``--format`` if given; else PAdES for a PDF, XAdES for
    an XML document, a detached CAdES signature for any other file."""
    chosen = parse_format(given)
    head = _head(path)  # an unreadable input is said the same way whatever the format
    if chosen is not None:
        return chosen
    if b"%PDF-" in head:
        return SignatureFormat.PADES
    if _looks_like_xml(head):
        return SignatureFormat.XADES
    return SignatureFormat.CADES


def detached_output(output: Path) -> Path:
    """Where a detached CMS / CAdES signature goes: ``OUTPUT`` if it ends in ``.p7s``, else
    ``OUTPUT.p7s`` (what a person and other programs recognise as a detached signature)."""
    return output if output.suffix.lower() == ".p7s" else output.with_name(output.name + ".p7s")


__all__ = ["detached_output", "detect", "parse_format", "signing_format",
           "verification_format"]
