"""The cryptographic constraints of TT15 Annex I, checked on a signature and its path.

TT15 Annex I 1.2 asks for RSA keys of at least 2048 bits and ECDSA curves of at least 256 bits,
and 1.3 lists SHA-2 and SHA-3 only. The oracle checks them itself, whatever pyHanko's default
algorithm policy did (rule 6 of :mod:`.rules`).
"""

from __future__ import annotations

from asn1crypto import x509

from conformance.oracle.findings import Findings
from conformance.oracle.formats import DocumentSignature

WEAK_DIGESTS = frozenset({"md2", "md5", "sha1"})
"""TT15 Annex I 1.3 lists SHA-2 and SHA-3 only."""
MINIMUM_RSA_BITS = 2048
"""TT15 Annex I 1.2: RSA keys of at least 2048 bits."""
MINIMUM_EC_BITS = 256
"""TT15 Annex I 1.2: ECDSA over curves of at least 256 bits."""


def crypto_weakness(signature: DocumentSignature, findings: Findings) -> str | None:
    """The first TT15 Annex I violation: key sizes and digests of the signature and the path."""
    problems: list[str] = []
    signer_info = signature.signer_info
    digest = signer_info["digest_algorithm"]["algorithm"].native
    if digest in WEAK_DIGESTS:
        problems.append(f"the signature uses {digest.upper()}")
    try:
        signature_digest = signer_info["signature_algorithm"].hash_algo
        if signature_digest in WEAK_DIGESTS and signature_digest != digest:
            problems.append(f"the signature algorithm uses {signature_digest.upper()}")
    except (ValueError, KeyError):
        pass
    for certificate in _path_certificates(signature, findings):
        name = certificate.subject.native.get("common_name", "?")
        key = certificate.public_key
        bits = key.bit_size
        if key.algorithm == "rsa" and bits < MINIMUM_RSA_BITS:
            problems.append(f"the key of '{name}' is RSA-{bits} (minimum {MINIMUM_RSA_BITS})")
        elif key.algorithm == "ec" and bits < MINIMUM_EC_BITS:
            problems.append(f"the key of '{name}' is EC-{bits} (minimum {MINIMUM_EC_BITS})")
        if certificate.subject != certificate.issuer and certificate.hash_algo in WEAK_DIGESTS:
            problems.append(f"the certificate '{name}' is signed with "
                            f"{certificate.hash_algo.upper()}")
    if not problems:
        return None
    return "cryptographic constraints of TT15 Annex I not met: " + "; ".join(problems)


def _path_certificates(signature: DocumentSignature, findings: Findings) -> list[x509.Certificate]:
    """The signer's path without its root: pyHanko's validated path, or else the chain the
    signature carries (followed by issuer name), so a failed validation is still checked."""
    path = getattr(findings.status, "validation_path", None)
    if path is not None:
        certificates = list(path.iter_certs(include_root=False))
        if certificates:
            return certificates
    chain = [signature.signer_certificate]
    pool = list(signature.other_certificates)
    while len(chain) < 8:
        issuer = next((c for c in pool if c.subject == chain[-1].issuer
                       and c.subject != c.issuer), None)
        if issuer is None or issuer in chain:
            break
        chain.append(issuer)
    return chain
