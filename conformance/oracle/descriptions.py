"""The words of a result: names, certificates, signing times, algorithms, one-line errors.

What a person is shown about a signature comes from here, for every format: a distinguished
name most specific attribute first, the certificate fields TT15-6.4.b lists, the best known
signing time and where it comes from, the algorithms, what format the signature is. Nothing
here judges; the verdict is :mod:`.rules`'.
"""

from __future__ import annotations

from asn1crypto import x509

from conformance.oracle.formats import DocumentSignature
from conformance.oracle.model import (
    CMS_SUB_FILTERS,
    PADES_SUB_FILTER,
    AlgorithmInfo,
    CertificateInfo,
    PadesLevel,
    SignatureKind,
    SigningTime,
    TimeSource,
)


def one_line(error: BaseException) -> str:
    """The first line of an error's text (at most 200 characters), or its type's name."""
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


_NAME_ORDER = [("common_name", "CN"), ("title", "T"), ("organizational_unit_name", "OU"),
               ("organization_name", "O"), ("locality_name", "L"),
               ("state_or_province_name", "ST"), ("country_name", "C"), ("user_id", "UID")]


def name_text(name: x509.Name) -> str:
    """A distinguished name as text, most specific attribute first (CN=..., O=...)."""
    values = name.native
    parts = []
    for key, short in _NAME_ORDER:
        value = values.get(key)
        if value:
            for item in value if isinstance(value, list) else [value]:
                parts.append(f"{short}={item}")
    return ", ".join(parts) or name.human_friendly


def _first(value: object) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def certificate_info(certificate: x509.Certificate) -> CertificateInfo:
    """What a person is shown about ``certificate``."""
    subject = certificate.subject.native
    issuer = certificate.issuer.native
    return CertificateInfo(
        subject=name_text(certificate.subject),
        common_name=_first(subject.get("common_name")), title=_first(subject.get("title")),
        organisation=_first(subject.get("organization_name")),
        organisational_unit=_first(subject.get("organizational_unit_name")),
        issuer=name_text(certificate.issuer),
        issuer_common_name=_first(issuer.get("common_name")),
        issuer_organisation=_first(issuer.get("organization_name")),
        serial=certificate.serial_number,
        not_before=certificate.not_valid_before, not_after=certificate.not_valid_after,
        key_algorithm=certificate.public_key.algorithm,
        key_size=certificate.public_key.bit_size,
        certificate_hash=certificate.hash_algo,
    )


def signing_time(signature: DocumentSignature) -> SigningTime:
    """The best known signing time: a document timestamp's own genTime; for a signature, the
    time its timestamp proves, else the signer's claim."""
    if signature.kind is SignatureKind.DOCUMENT_TIMESTAMP:
        try:
            info = signature.signed_data["encap_content_info"]["content"].parsed
            generated = info["gen_time"].native
        except Exception:  # noqa: BLE001
            return SigningTime()
        return SigningTime(value=generated, source=TimeSource.DOCUMENT_TIMESTAMP,
                           timestamp=generated)
    claimed = signature.claimed_signing_time
    proven = signature.proven_time
    if proven is not None:
        return SigningTime(value=proven, source=TimeSource.SIGNATURE_TIMESTAMP, claimed=claimed,
                           timestamp=proven)
    if claimed is not None:
        return SigningTime(value=claimed, source=TimeSource.CLAIMED, claimed=claimed)
    return SigningTime()


def algorithm_info(signature: DocumentSignature) -> AlgorithmInfo | None:
    """The signature and digest algorithms and the signer's key, None when unreadable."""
    try:
        signer_info = signature.signer_info
        key = signature.signer_certificate.public_key
        return AlgorithmInfo(
            signature_algorithm=signer_info["signature_algorithm"].signature_algo,
            digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
            key_algorithm=key.algorithm, key_size=key.bit_size)
    except Exception:  # noqa: BLE001
        return None


def signature_format(kind: SignatureKind, sub_filter: str | None,
                     level: PadesLevel | None) -> str:
    """What a signature is, by the format it declares (its /SubFilter) and what it carries: a
    PAdES baseline signature at its level (EN 319 142-1, ``ETSI.CAdES.detached``), a plain CMS
    signature (ISO 32000-1 12.8.3.3, the CMS profile of EN 319 142-2), a document timestamp.
    A CMS signature is never called PAdES baseline, whatever timestamps it carries."""
    declared = sub_filter or "no /SubFilter"
    if kind is SignatureKind.DOCUMENT_TIMESTAMP:
        return f"document timestamp ({declared})"
    if sub_filter == PADES_SUB_FILTER:
        return f"PAdES baseline {level.value}" if level is not None else \
            f"PAdES ({PADES_SUB_FILTER})"
    if sub_filter in CMS_SUB_FILTERS:
        return f"CMS ({sub_filter})"
    return f"unknown format ({declared})"
