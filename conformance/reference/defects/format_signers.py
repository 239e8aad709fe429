"""The ``no-validity-check`` signer in the formats beside PAdES: the reference XML or CMS
signing, without the certificate check that comes first (TT15-5.1.a, ND68 Art. 29.1–2).

The PDF variant signs through pyHanko as naive products do (:func:`.signers._naive_sign`); in
XML and CMS the same mistake is the reference signer's own steps with the check left out: reach
the token, log in, sign (B-B: a XAdES or CAdES signature without a timestamp, or the format's
plain form), write the file. A revoked, expired or untrusted certificate then signs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cryptography import x509 as cx509

from conformance.oracle import SIGNER_KEY_USAGE
from conformance.reference.cms_levels import CmsLevel
from conformance.reference.cms_signing import CmsSigningRequest, _pkcs11_signer, _signed_cms
from conformance.reference.format_roles import XML_FORMS
from conformance.reference.signer import _answer_refused
from conformance.reference.signing_request import Refusal
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.reference.token_key import token_key
from conformance.reference.verifier import trust_roots_from_files
from conformance.reference.xml_building import XmlForm, sign_xml_document
from conformance.reference.xml_parsing import parse_xml, serialise
from scenarios import SignatureFormat, SignerAnswer, SignerOutcome, SignRequest
from testbed import TokenAccess


def sign_unchecked(request: SignRequest) -> SignerAnswer:
    """Sign ``request`` (not PAdES) at B-B without checking the certificate first."""
    access = TokenAccess.load(request.token_access)
    pin = request.pin_file.read_text(encoding="utf-8").strip()
    try:
        with token_session(access, access.module) as session:
            certificate, chain = token_certificates(session, access)
            login_user(session, access.module, pin, access.token_label)
            if request.format in XML_FORMS:
                signed = _xml(request, session, access, certificate, chain)
            else:
                signed = asyncio.run(_cms(request, session, access, certificate, chain))
    except Refusal as refusal:
        return _answer_refused(refusal.message, refusal.check)
    request.output.write_bytes(signed)
    return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(request.output),
                        display="Đã ký. / Signed.")


def _xml(request: SignRequest, session: Any, access: TokenAccess, certificate: Any,
         chain: list[Any]) -> bytes:
    public = cx509.load_der_x509_certificate(certificate.dump()).public_key()
    key = token_key(session, bytes.fromhex(access.key_id), public)
    signed = sign_xml_document(parse_xml(request.input.read_bytes()),
                               form=XmlForm(XML_FORMS[request.format]), key=key,
                               certificates=[certificate.dump(), *(c.dump() for c in chain)],
                               moment=request.moment, detached_uri=request.input.name)
    return serialise(signed.root)


async def _cms(request: SignRequest, session: Any, access: TokenAccess, certificate: Any,
               chain: list[Any]) -> bytes:
    level = CmsLevel.CMS if request.format is SignatureFormat.CMS else CmsLevel.B_B
    signing = CmsSigningRequest(
        content=request.input.read_bytes(), output=request.output, access=access,
        module=access.module, pin="", trust_roots=tuple(trust_roots_from_files(
            request.trust_roots)), moment=request.moment, level=level, tsa_url=None,
        attached=False, rsa_pss=False, key_usage=SIGNER_KEY_USAGE)
    signer = _pkcs11_signer(signing, session, certificate, chain)
    info = await _signed_cms(signing, signer, None)  # type: ignore[arg-type] (no TSA asked)
    return bytes(info.dump())


__all__ = ["sign_unchecked"]
