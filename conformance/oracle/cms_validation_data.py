"""Gathering the validation data a CAdES B-LT signature carries (EN 319 122-1 5.5.1).

A B-LT CMS signature must be verifiable when the CA's OCSP responder and CRL are gone: the
certificates of the signer's and the TSA's paths and their OCSP responses and CRLs go into
SignedData's ``certificates`` and ``crls`` fields (RevocationInfoChoices; an OCSP response as
``id-ri-ocsp-response`` other revocation info, RFC 5940). Neither field is signed, so they are
filled after signing, as EN 319 122-1 describes.

pyHanko collects them by *validating* the signer's and the TSA's paths with a validation
context (``collect_validation_info``, the same step its PDF B-LT uses for the DSS), which is
why this lives behind the oracle's one door to pyHanko's validators; the reference CMS signer
(:mod:`conformance.reference.cms_signing`) calls it. Nothing is judged here: a path that does
not validate is reported to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms
from pyhanko.sign.validation.dss import collect_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from conformance.oracle.embedded import CarriedData
from conformance.oracle.validation_data import ValidationDataError


@dataclass(frozen=True)
class _SignedCms:
    """What ``collect_validation_info`` reads of a signature: its SignedData and SignerInfo
    (it reads nothing PDF-specific)."""

    signed_data: cms.SignedData

    @property
    def signer_info(self) -> cms.SignerInfo:
        return self.signed_data["signer_infos"][0]


async def collect_cms_validation_data(signed_data: cms.SignedData,
                                      context: ValidationContext) -> CarriedData:
    """The certificates (roots left out: the verifier has them), OCSP responses and CRLs that
    validate the signer's path and its signature timestamp's, gathered with ``context``
    (which must fetch: ``allow_fetching=True``). Raises :class:`ValidationDataError`."""
    try:
        paths = await collect_validation_info(_SignedCms(signed_data), context)  # type: ignore[arg-type]
    except (PathBuildingError, PathValidationError) as error:
        lines = str(error).splitlines()
        raise ValidationDataError(lines[0] if lines else type(error).__name__) from None
    certificates = {certificate.dump(): certificate
                    for path in paths for certificate in path.iter_certs(include_root=False)}
    return CarriedData(certificates=tuple(certificates.values()),
                       ocsp_responses=tuple(context.ocsps), crls=tuple(context.crls))


__all__ = ["collect_cms_validation_data"]
