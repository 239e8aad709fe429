"""What the XML reference tests share: tokens, signing and verifying on the live testbed, a
defective signer that skips the certificate check, and Debian's xmlsec1 as an independent
verifier."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signer import testbed_trust_roots as roots_of_testbed
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.reference.token_key import token_key
from conformance.reference.xml_building import XmlForm, sign_xml_document
from conformance.reference.xml_parsing import parse_xml, serialise
from conformance.reference.xml_signing import sign_xml
from conformance.reference.xml_timestamping import add_signature_timestamp
from conformance.reference.xml_verifying import verify_xml
from conformance.verdict import Indication, SignerAnswer, SubIndication, VerifierAnswer
from testbed.ca.names import VietnameseName
from testbed.session import Testbed
from testbed.xml_documents import XML_DOCUMENTS

SIGNER = VietnameseName(common_name="Trần Quốc Bảo", title="Kế toán trưởng",
                        organization="Sở Nội vụ tỉnh Đồng Tháp", locality="Đồng Tháp")
FORMS = [(XmlForm.XADES_ENVELOPED, SignatureLevel.B_B), (XmlForm.XADES_ENVELOPED,
                                                          SignatureLevel.B_T),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_B), (XmlForm.XADES_DETACHED,
                                                         SignatureLevel.B_T),
         (XmlForm.XADES_ENVELOPED, SignatureLevel.B_LT),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_LT),
         (XmlForm.XADES_ENVELOPED, SignatureLevel.B_LTA),
         (XmlForm.XADES_DETACHED, SignatureLevel.B_LTA),
         (XmlForm.XMLDSIG_ENVELOPED, SignatureLevel.B_B)]


def token(testbed: Testbed, subscriber: str, key_type: str = "p256") -> str:
    """A new subscriber token (its own name, so the answers can be told apart); its label."""
    created, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=SIGNER.model_copy(update={"common_name": f"{SIGNER.common_name} {subscriber}"}))
    return created.label


def sign(testbed: Testbed, label: str, source: Path, output: Path, **options: Any
         ) -> SignerAnswer:
    """The reference XML signer on ``label``'s token, at the testbed's instant."""
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    return sign_xml(source, output, access=access, pin=testbed.tokens.user_pin(label),
                    trust_roots=roots, moment=now, tsa_url=tsa_url, **options)


def verify(testbed: Testbed, signed: Path | bytes, source: Path | None = None, *,
           online: bool = True) -> VerifierAnswer:
    """The reference XML verifier trusting the testbed's roots; ``source`` is the document a
    detached signature names (by its file name)."""
    detached = {source.name: source.read_bytes()} if source is not None else None
    return verify_xml(signed, roots_of_testbed(testbed), at=testbed.now(), detached=detached,
                      fetch_revocation_online=online)


def only(answer: VerifierAnswer) -> tuple[Indication, SubIndication | None]:
    """The indication and sub-indication of the answer's one signature."""
    assert answer.error is None, answer.error
    (signature,) = answer.signatures
    return signature.indication, signature.sub_indication


def sign_unchecked(testbed: Testbed, label: str, document: bytes, *,
                   form: XmlForm = XmlForm.XADES_ENVELOPED, level: SignatureLevel =
                   SignatureLevel.B_B, building: Any = sign_xml_document) -> bytes:
    """A defective signer: the token's key, no certificate check first (how a signature by a
    revoked certificate comes to exist)."""
    access, _, tsa_url, now = signing_context_from_testbed(testbed, label)
    with token_session(access, access.module) as session:
        certificate, chain = token_certificates(session, access)
        login_user(session, access.module, testbed.tokens.user_pin(label), label)
        public = cx509.load_der_x509_certificate(certificate.dump()).public_key()
        key = token_key(session, bytes.fromhex(access.key_id), public)
        root, signature = building(parse_xml(document), form=form, key=key,
                                   certificates=[certificate.dump(), *(c.dump() for c in chain)],
                                   moment=now, detached_uri="document.xml")
    if level is SignatureLevel.B_T:
        async def stamp() -> None:
            async with aiohttp.ClientSession() as http:
                await add_signature_timestamp(signature, HTTPTimeStamper(tsa_url, session=http))
        asyncio.run(stamp())
    return serialise(root)


def xmlsec1_verify(signed: Path, roots: Path, document: Path | None = None, *,
                   enabled_uris: str | None = "empty,same-doc"
                   ) -> subprocess.CompletedProcess[str]:
    """Debian's xmlsec1 (libxmlsec1, OpenSSL): trusts ``roots`` only; the chain comes from the
    signature's KeyInfo; a detached signature's URI is mapped to ``document``;
    ``enabled_uris`` None leaves xmlsec1's own default for Reference URIs."""
    command = ["xmlsec1", "--verify", "--trusted-pem", str(roots),
               "--id-attr:Id", "SignedProperties", "--id-attr:Id", "KeyInfo",
               "--id-attr:Id", "DLHDon", "--id-attr:Id", "SignatureProperties",
               "--id-attr:Id", "HSoKhaiThue"]
    if enabled_uris is not None:
        remote = ",remote" if document is not None else ""
        command += ["--enabled-reference-uris", enabled_uris + remote]
    if document is not None:
        command += [f"--url-map:{document.name}", str(document)]
    return subprocess.run([*command, str(signed)], capture_output=True, text=True, timeout=60,
                          check=False)


needs_xmlsec1 = pytest.mark.skipif(shutil.which("xmlsec1") is None,
                                   reason="xmlsec1 missing (make system-deps installs it)")


def self_signed() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A software key and a self-signed certificate in a real signer's name (an impostor)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Lê Thị Ánh Tuyết")])
    now = dt.datetime.now(dt.UTC)
    certificate = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(cx509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=365))
                   .sign(key, hashes.SHA256()))
    return key, certificate.public_bytes(serialization.Encoding.DER)


def write_documents(directory: Path) -> dict[str, Path]:
    """Every XML document kind, written as <kind>.xml (the name a detached signature uses)."""
    paths = {}
    for kind, make in XML_DOCUMENTS.items():
        paths[kind] = directory / f"{kind}.xml"
        paths[kind].write_bytes(make())
    return paths
