"""CAdES B-LT: the validation data a CMS signature carries in its SignedData (EN 319 122-1 5.5.1).

The certificates of the signer's and the TSA's paths go into SignedData ``certificates``, their
CRLs and OCSP responses into ``crls`` (RevocationInfoChoices; an OCSP response as
``id-ri-ocsp-response`` other revocation info, RFC 5940), so that the signature can be verified
when the CA's services are gone; TT15 Art. 5.4 asks the signing software to keep the status at
signing time with the message. Neither field is signed, so they are filled after signing; with
an "other" revocation choice present RFC 5652 5.1 asks SignedData version 5.

The data are gathered by the oracle (:func:`conformance.oracle.cms_validation_data.
collect_cms_validation_data`, pyHanko validating both paths with a fetching context); the CMS
structures are asn1crypto's, never hand-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn1crypto import cms, x509
from pyhanko_certvalidator import ValidationContext

from conformance.oracle.cms_validation_data import collect_cms_validation_data
from conformance.oracle.embedded import CarriedData
from conformance.oracle.validation_data import ValidationDataError
from conformance.reference.messages import Message
from conformance.reference.pades_signing import _fetch_crls

INCOMPLETE = Message("Cảnh báo: thông tin kiểm tra hiệu lực (OCSP/CRL) gắn kèm chữ ký CAdES chưa "
                     "đầy đủ", "Warning: the validation data (OCSP/CRL) carried with the CAdES "
                     "signature is incomplete")


async def carry_validation_data(info: cms.ContentInfo, *,
                                trust_roots: Sequence[x509.Certificate],
                                ca_certificates: Sequence[x509.Certificate],
                                moment: datetime, fetchers: Any,
                                complete: bool) -> tuple[cms.ContentInfo, list[Message]]:
    """``info`` with the validation data of its signer's and TSA's paths, and a warning when
    they are incomplete (``complete`` False: the pre-signing check could not obtain the
    status, so pyHanko gathers in soft-fail mode; or a path did not validate)."""
    # with status unobtainable (a WARN), pyHanko must not refuse what the signer accepted
    context = ValidationContext(
        trust_roots=list(trust_roots), other_certs=list(ca_certificates), moment=moment,
        allow_fetching=True, revocation_mode="require" if complete else "soft-fail",
        fetchers=fetchers)
    try:
        data = await collect_cms_validation_data(info["content"], context)
    except ValidationDataError:
        return info, [INCOMPLETE]
    # pyHanko stops at a good OCSP answer; TT15 Art. 5.4.b asks the CRL at signing time too
    crls_complete = await _fetch_crls(fetchers, data.certificates)
    data = CarriedData(certificates=data.certificates, ocsp_responses=data.ocsp_responses,
                       crls=_unique([*data.crls, *fetchers.crl_fetcher.fetched_crls()]))
    warnings = [] if complete and crls_complete and data.has_revocation_data else [INCOMPLETE]
    return with_validation_data(info, data), warnings


def _unique(items: list[Any]) -> tuple[Any, ...]:
    return tuple({item.dump(): item for item in items}.values())


def with_validation_data(info: cms.ContentInfo, data: CarriedData) -> cms.ContentInfo:
    """A new ContentInfo whose SignedData also carries ``data`` (certificates not yet in it,
    every CRL and OCSP response); the signed parts are untouched."""
    signed_data: cms.SignedData = info["content"]
    certificates = list(signed_data["certificates"] or [])
    present = {choice.chosen.dump() for choice in certificates}
    certificates += [cms.CertificateChoices(name="certificate", value=certificate)
                     for certificate in data.certificates if certificate.dump() not in present]
    revocation = [cms.RevocationInfoChoice(name="crl", value=item) for item in data.crls]
    revocation += [cms.RevocationInfoChoice(name="other", value=cms.OtherRevocationInfoFormat({
        "other_rev_info_format": "ocsp_response", "other_rev_info": response}))
        for response in data.ocsp_responses]
    copy = cms.ContentInfo.load(info.dump())
    extended = copy["content"]
    if data.ocsp_responses:
        extended["version"] = "v5"
    extended["certificates"] = cms.CertificateSet(certificates)
    extended["crls"] = cms.RevocationInfoChoices(revocation)
    return copy


__all__ = ["INCOMPLETE", "carry_validation_data", "with_validation_data"]
