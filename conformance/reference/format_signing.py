"""``kyso sign`` for XML and CMS: the same checked request, handed to the XML signer
(:func:`conformance.reference.xml_signing.sign_xml`: XAdES enveloped or detached, e-invoice
XML-DSig) or the CMS signer (:func:`conformance.reference.cms_signing.sign_file`: a detached
CAdES or plain CMS ``.p7s``).

The options that only mean something in a PDF (a visible signature, a field, the appearance's
name and organisation, reason and location) are refused for these formats with one line naming
the option, rather than silently dropped: a person who asked for a visible signature must not
believe they got one. The level defaults to what each format offers best without archive
machinery: B-LT for PAdES, XAdES and CAdES, B-B for XML-DSig (it has no levels), CMS for plain
CMS.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from asn1crypto import x509

from bilingual import say
from conformance.reference.format_choice import detached_output
from conformance.reference.signing_request import SignerInputError
from conformance.verdict import SignerAnswer
from scenarios import SignatureFormat
from testbed import TokenAccess

PDF_ONLY_OPTIONS = ("visible", "field", "name", "org", "reason", "location")
"""``kyso sign`` options a PDF signature has and an XML or CMS one does not."""
XML_FORMS = ("enveloped", "detached")


def default_level(signature_format: SignatureFormat) -> str:
    """The level ``kyso sign`` makes when ``--level`` is not given."""
    return {SignatureFormat.XMLDSIG: "B-B", SignatureFormat.CMS: "CMS"}.get(signature_format,
                                                                            "B-LT")


def check_options(arguments: argparse.Namespace, signature_format: SignatureFormat) -> None:
    """One line for an option the format cannot honour."""
    if signature_format is SignatureFormat.PADES:
        if getattr(arguments, "form", None):
            raise SignerInputError(say("--form: chỉ dùng cho chữ ký XML (xades, xmldsig)",
                                       "--form: only for XML signatures (xades, xmldsig)"))
        return
    for option in PDF_ONLY_OPTIONS:
        if getattr(arguments, option, None):
            raise SignerInputError(say(
                f"--{option}: chỉ dùng cho chữ ký PDF (pades), không cho {signature_format}",
                f"--{option}: only for PDF signatures (pades), not for {signature_format}"))
    if not signature_format.detached and getattr(arguments, "rsa_pss", False):
        raise SignerInputError(say("--rsa-pss: chữ ký XML của kyso dùng RSA PKCS#1 v1.5",
                                   "--rsa-pss: kyso's XML signatures use RSA PKCS#1 v1.5"))
    if signature_format.detached and getattr(arguments, "form", None):
        raise SignerInputError(say(
            f"--form: chữ ký {signature_format} luôn tách rời (.p7s); --form dành cho XML",
            f"--form: a {signature_format} signature is always detached (.p7s); --form is "
            "for XML"))


def _xml_form(signature_format: SignatureFormat, form: str | None) -> str:
    form = (form or "enveloped").strip().lower()
    if form not in XML_FORMS:
        raise SignerInputError(say(f"--form: {form!r} không phải enveloped hay detached",
                                   f"--form: {form!r} is not enveloped nor detached"))
    if signature_format is SignatureFormat.XMLDSIG:
        if form != "enveloped":
            raise SignerInputError(say(
                "--form: XML-DSig hóa đơn điện tử chỉ có dạng enveloped",
                "--form: e-invoice XML-DSig is enveloped only"))
        return "xmldsig-enveloped"
    return f"xades-{form}"


def sign_in_format(arguments: argparse.Namespace, signature_format: SignatureFormat, *,
                   access: TokenAccess, pin: str, roots: list[x509.Certificate],
                   tsa_url: str | None, moment: datetime) -> SignerAnswer:
    """Sign ``arguments.input`` as ``signature_format`` (not PAdES); returns the answer.
    Raises :class:`SignerInputError` for a request the format cannot take."""
    level = arguments.level or default_level(signature_format)
    if signature_format.detached:
        from conformance.reference.cms_levels import CmsLevel
        from conformance.reference.cms_signing import sign_file

        if signature_format is SignatureFormat.CMS:
            if level.upper() != "CMS":
                raise SignerInputError(say(
                    f"--level: chữ ký CMS thường không có mức {level} (dùng --format cades)",
                    f"--level: a plain CMS signature has no level {level} (use --format "
                    "cades)"))
        elif level.upper() == "CMS":
            raise SignerInputError(say("--level: CMS là --format cms, không phải mức CAdES",
                                       "--level: CMS is --format cms, not a CAdES level"))
        return sign_file(Path(arguments.input), detached_output(Path(arguments.output)),
                         access=access, pin=pin, trust_roots=roots, moment=moment,
                         level=CmsLevel.parse(level), tsa_url=tsa_url,
                         rsa_pss=arguments.rsa_pss, module=arguments.module)
    from conformance.reference.xml_signing import sign_xml

    return sign_xml(Path(arguments.input), Path(arguments.output), access=access, pin=pin,
                    trust_roots=roots, moment=moment,
                    form=_xml_form(signature_format, getattr(arguments, "form", None)),
                    level=level, tsa_url=tsa_url, module=arguments.module)


__all__ = ["PDF_ONLY_OPTIONS", "check_options", "default_level", "sign_in_format"]
