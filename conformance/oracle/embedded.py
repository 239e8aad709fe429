"""The validation data a PDF carries: its DSS (with the VRI) and the signature's own revocation
attribute, as pyHanko's :class:`LocalKnowledge`.

A B-LT or B-LTA signature exists so that it can be validated when the CA's OCSP responder and
CRL are long gone: EN 319 142-1 puts the certificates, OCSP responses and CRLs in the document's
DSS (and per signature in its VRI), and Adobe's revocation-info-archival attribute carries them
inside the CMS. The oracle hands them to pyHanko first (:mod:`.passes`), the way pyHanko's own
``ades_lta_validation`` ingests them (its private ``_dss_to_local_knowledge``), here for every
process and through the public :class:`DocumentSecurityStore` reader. Reading is all this module
does: judging the data (freshness, signatures, paths) stays pyHanko's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import cms, crl, ocsp, x509
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.policy_decl import LocalKnowledge
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

_READ_ERRORS = (KeyError, ValueError, TypeError, IndexError, AttributeError)
"""What a damaged DSS entry raises while it is read: the entry is skipped, never fatal."""

_Item = TypeVar("_Item", x509.Certificate, ocsp.OCSPResponse, crl.CertificateList)


@dataclass(frozen=True)
class CarriedData:
    """The certificates, OCSP responses and CRLs a signature's document carries (each once):
    what any format hands the oracle (:attr:`.formats.DocumentSignature.carried_data`)."""

    certificates: tuple[x509.Certificate, ...] = ()
    ocsp_responses: tuple[ocsp.OCSPResponse, ...] = ()
    crls: tuple[crl.CertificateList, ...] = ()

    @property
    def has_revocation_data(self) -> bool:
        return bool(self.ocsp_responses or self.crls)

    def knowledge(self) -> LocalKnowledge:
        """The same data as pyHanko's local knowledge (what a validation spec carries)."""
        return LocalKnowledge(
            known_certs=list(self.certificates),
            known_ocsps=[container for response in self.ocsp_responses
                         for container in _ocsp_containers(response)],
            known_crls=[CRLContainer(item) for item in self.crls])


def pdf_carried_data(reader: PdfFileReader, signer_info: cms.SignerInfo) -> CarriedData:
    """What the PDF's DSS/VRI and the signature's revocation-info-archival attribute carry."""
    certificates, responses, lists = _from_dss(reader)
    archived_responses, archived_lists = _from_archival_attribute(signer_info)
    return CarriedData(certificates=_unique(certificates),
                       ocsp_responses=_unique(responses + archived_responses),
                       crls=_unique(lists + archived_lists))


def _from_dss(reader: PdfFileReader) -> tuple[list[x509.Certificate], list[ocsp.OCSPResponse],
                                              list[crl.CertificateList]]:
    """The DSS's certificates, OCSP responses and CRLs, with those every VRI entry names."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, *_READ_ERRORS):
        return [], [], []
    certificates: list[Any] = list(dss.certs.values())
    responses: list[Any] = list(dss.ocsps)
    lists: list[Any] = list(dss.crls)
    for entry in dss.vri_entries.values():
        try:
            vri = entry.get_object()
            certificates += list(vri.get("/Cert", []))
            responses += list(vri.get("/OCSP", []))
            lists += list(vri.get("/CRL", []))
        except _READ_ERRORS:
            continue
    return (_load(certificates, DecodePurpose.CERTIFICATE, x509.Certificate),
            _load(responses, DecodePurpose.OCSP_RESPONSE, ocsp.OCSPResponse),
            _load(lists, DecodePurpose.CRL, crl.CertificateList))


def _load(references: list[Any], purpose: DecodePurpose, kind: type[_Item]) -> list[_Item]:
    loaded = []
    for reference in references:
        try:
            item = kind.load(reference.get_object().read_data(purpose))
            item[0]  # noqa: B018 (parse now: a damaged entry is skipped here, not later)
        except _READ_ERRORS:
            continue
        loaded.append(item)
    return loaded


def _from_archival_attribute(signer_info: cms.SignerInfo
                             ) -> tuple[list[ocsp.OCSPResponse], list[crl.CertificateList]]:
    """Adobe's revocation-info-archival signed attribute (ISO 32000-1 12.8.3.3.2)."""
    try:
        archival = find_unique_cms_attribute(signer_info["signed_attrs"],
                                             "adobe_revocation_info_archival")
        return list(archival["ocsp"] or []), list(archival["crl"] or [])
    except Exception:  # noqa: BLE001 (absent or malformed: nothing is carried there)
        return [], []


def _ocsp_containers(response: ocsp.OCSPResponse) -> list[OCSPContainer]:
    try:
        return list(OCSPContainer.load_multi(response))
    except _READ_ERRORS:
        return []


def _unique(items: list[_Item]) -> tuple[_Item, ...]:
    seen: set[bytes] = set()
    kept: list[_Item] = []
    for item in items:
        digest = hashlib.sha256(item.dump()).digest()
        if digest not in seen:
            seen.add(digest)
            kept.append(item)
    return tuple(kept)
