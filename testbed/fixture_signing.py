"""Signed documents the testbed prepares itself (not under test), rules broken on demand.

Verifier cases need signed PDFs that no correct signer would make: SHA-1 digests, RSA-1024 keys,
a claimed signing time from the signer's own (backdated) clock, a signature by a revoked key.
The testbed makes them with pyHanko's signers directly, with the key on the subscriber's token
(PKCS#11) or in a software key file, at the testbed's instant. Nothing here checks validity:
that is the point of a fixture. What B-LT fetches (OCSP, CRLs) goes through one aiohttp session
per fixture, closed when signing ends: aiohttp's own, since the fetcher backend's default
session builds an SSL context from certifi's bundle each time (~45 ms) for services that are
plain HTTP on 127.0.0.1.

Options for the verifier case families that need a signature made *differently*, not wrongly:

* ``rsa_pss``: RSASSA-PSS instead of PKCS#1 v1.5 (TT15 Annex I 1.2 names PSS for signing; most
  products only ever meet v1.5);
* ``embed_chain=False``: the CMS carries the signer's certificate only, so a verifier must fetch
  the issuing CA's certificate from the AIA caIssuers URL (as many real signatures require);
* ``tsa_authority``: which authority's TSA stamps (an untrusted one for negative cases);
* ``timestamp_defect="imprint-mismatch"``: a genuine token from the TSA, embedded as the
  signature timestamp through pyHanko's own unsigned-attribute path, but requested for other
  data, so its messageImprint is not the digest of the signature value (a timestamp lifted from
  another signature);
* ``certify=P``: a *certification* signature (ISO 32000-1 12.8.2.2, DocMDP) instead of an
  approval signature, with permission level P: 1 no changes, 2 form filling and signing, 3 also
  annotations. Certification attacks (:mod:`testbed.pdf_attacks`) start from such a document.
  Only the first signature of a document may certify (pyHanko refuses otherwise).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from io import BytesIO
from typing import Any

import aiohttp
from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from bilingual import say

from .errors import InvalidInputError
from .session import Testbed
from .world import KeySource

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
DOCMDP_LEVELS = (1, 2, 3)
"""DocMDP permission levels /P of a certification signature (ISO 32000-1 Table 254)."""
TIMESTAMP_DEFECTS = ("imprint-mismatch",)
IMPRINT_MISMATCH_DATA = b"kyso: a timestamp for some other signature"
"""What an imprint-mismatch token is really over (its messageImprint is this data's digest)."""


class _WrongImprintTimeStamper(timestamps.HTTPTimeStamper):
    """A real TSA, asked to stamp :data:`IMPRINT_MISMATCH_DATA` whatever it is given.

    pyHanko's TSTProvider asks for a token over the signature value and embeds whatever token
    comes back as the signatureTimeStampToken attribute; this stamper swaps the digest, so the
    token is valid in itself (signed by the TSA, well-formed) but proves the time of other data.
    """

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        import hashlib

        other = hashlib.new(md_algorithm, IMPRINT_MISMATCH_DATA).digest()
        return await super().async_timestamp(other, md_algorithm)


class PdfSignerAt(signers.PdfSigner):
    """pyHanko's PdfSigner, claiming a chosen signing time instead of the machine's clock.

    Shared by the testbed's fixtures and the reference signer: both sign at the testbed's
    instant (or, for a fixture, at a deliberately backdated one).

    pyHanko takes the claimed time from the session's ``system_time``, which its
    ``init_signing_session`` fills from the machine clock; the testbed's time is simulated.
    """

    def __init__(self, *args: Any, moment: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._moment = moment

    def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False
                             ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._moment
        return session


@contextmanager
def _signer_for(testbed: Testbed, certificate_label: str, *, rsa_pss: bool = False,
                embed_chain: bool = True) -> Iterator[signers.Signer]:
    record = testbed.certificate(certificate_label)
    chain = [x509.Certificate.load(testbed.certificate_der(r.label))
             for r in testbed.chain(certificate_label)]
    others = chain[1:] if embed_chain else []
    if record.key_source is KeySource.SOFTWARE:
        from pyhanko.keys import load_private_key_from_pemder

        key = load_private_key_from_pemder(testbed.private_key_path(certificate_label), None)
        yield signers.SimpleSigner(signing_cert=chain[0], signing_key=key,
                                   cert_registry=_registry(others), prefer_pss=rsa_pss)
        return
    from pyhanko.sign.pkcs11 import PKCS11Signer

    tokens = [t for t in testbed.state.tokens.values() if t.certificate == certificate_label]
    if not tokens:
        raise InvalidInputError(say(
            f"chứng thư chữ ký số '{certificate_label}': không token nào giữ khóa của nó",
            f"certificate '{certificate_label}': no token holds its key"))
    token = testbed.tokens.open(tokens[0].label)
    with token.session(testbed.tokens.user_pin(tokens[0].label)) as session:
        # other_certs_to_pull=None pulls every certificate on the token; () pulls none
        yield PKCS11Signer(session, key_id=token.key_id, signing_cert=chain[0],
                           ca_chain=others, other_certs_to_pull=None if embed_chain else (),
                           bulk_fetch=False, prefer_pss=rsa_pss,
                           use_raw_mechanism=token.key_type == "p256")


def _registry(certificates: list[x509.Certificate]) -> Any:
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return SimpleCertificateStore.from_certs(certificates)


def sign_fixture(testbed: Testbed, pdf: bytes, *, certificate_label: str, level: str = "B-B",
                 digest: str = "sha256", claimed_time: datetime | None = None,
                 field_name: str | None = None, tsa_authority: str | None = None,
                 rsa_pss: bool = False, embed_chain: bool = True,
                 timestamp_defect: str | None = None, certify: int | None = None) -> bytes:
    """``pdf`` with one more signature (an incremental update when it is already signed).

    See the module doc for ``rsa_pss``, ``embed_chain``, ``tsa_authority``,
    ``timestamp_defect`` and ``certify``.
    """
    _check_fixture_options(level, certify, timestamp_defect)
    now = testbed.now()
    record = testbed.certificate(certificate_label)
    if rsa_pss and not record.key_type.startswith("rsa"):
        raise InvalidInputError(say(
            f"rsa_pss: '{certificate_label}' có khóa {record.key_type}, không phải RSA",
            f"rsa_pss: certificate '{certificate_label}' has a {record.key_type} key, not RSA"))
    issuer = testbed.state.authorities[record.issuer]
    tsa_owner = tsa_authority or (record.issuer if issuer.tsa else "ca-cv")
    if level != "B-B" and testbed.state.authority(tsa_owner).tsa is None:
        raise InvalidInputError(say(f"tsa: '{tsa_owner}' không có dịch vụ cấp dấu thời gian",
                                    f"tsa: '{tsa_owner}' runs no timestamp authority"))
    stamper = _WrongImprintTimeStamper if timestamp_defect else timestamps.HTTPTimeStamper
    timestamper = stamper(testbed.urls(tsa_owner)["tsa"]) if level != "B-B" else None
    root = x509.Certificate.load(testbed.certificate_der(testbed.chain(certificate_label)[-1]
                                                         .label))
    existing = _signature_count(pdf)
    if certify is not None and existing:
        raise InvalidInputError(say(
            "certify: tài liệu đã được ký; chỉ chữ ký đầu tiên mới được là chữ ký chứng nhận "
            "(certification)",
            "certify: the document is already signed; only its first signature may be a "
            "certification signature"))

    async def run(signer: signers.Signer) -> bytes:
        async with aiohttp.ClientSession() as http, \
                AIOHttpFetcherBackend(session=http) as fetchers:
            embeds = level in ("B-LT", "B-LTA")
            metadata = signers.PdfSignatureMetadata(
                field_name=field_name or f"Signature{existing + 1}",
                md_algorithm=digest,
                subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=embeds,
                use_pades_lta=level == "B-LTA",
                certify=certify is not None,
                docmdp_permissions=fields.MDPPerm(certify or 2),
                validation_context=ValidationContext(
                    trust_roots=[root], moment=now, allow_fetching=True, fetchers=fetchers)
                if embeds else None,
            )
            pdf_signer = PdfSignerAt(metadata, signer=signer, timestamper=timestamper,
                                     moment=claimed_time or now)
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
            output = BytesIO()
            await pdf_signer.async_sign_pdf(writer, output=output)
            return output.getvalue()

    with _signer_for(testbed, certificate_label, rsa_pss=rsa_pss,
                     embed_chain=embed_chain) as signer:
        return asyncio.run(run(signer))


def _check_fixture_options(level: str, certify: int | None, timestamp_defect: str | None
                           ) -> None:
    """A one-line error for a level, DocMDP level or timestamp defect the fixtures lack."""
    if level not in LEVELS:
        allowed = ", ".join(LEVELS)
        raise InvalidInputError(say(f"level: '{level}' không phải một trong {allowed}",
                                    f"level: '{level}' is not one of {allowed}"))
    if certify is not None and certify not in DOCMDP_LEVELS:
        raise InvalidInputError(say(
            f"certify: {certify} không phải mức quyền DocMDP (1, 2, 3)",
            f"certify: {certify} is not a DocMDP permission level (1, 2, 3)"))
    if timestamp_defect is not None:
        if timestamp_defect not in TIMESTAMP_DEFECTS:
            allowed = ", ".join(TIMESTAMP_DEFECTS)
            raise InvalidInputError(say(
                f"timestamp defect: '{timestamp_defect}' không phải một trong {allowed}",
                f"timestamp defect: '{timestamp_defect}' is not one of {allowed}"))
        if level != "B-T":
            # B-LT/B-LTA would validate and document-timestamp with the same broken stamper
            raise InvalidInputError(say("timestamp defect: cần mức (level) B-T",
                                        "timestamp defect: needs level B-T"))


def _signature_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return len(PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures)
