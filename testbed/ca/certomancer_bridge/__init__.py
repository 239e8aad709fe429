"""The only door to certomancer: no other module of kyso imports it.

Certomancer describes a PKI declaratively and signs certificates from that description
(:mod:`.architecture`); its builders encode and sign the live services' CRLs and
timestamps (:mod:`.responders`); both sign through a parsed-key cache installed as certomancer's
crypto backend (:mod:`.key_cache`). A change of library touches this package only.
"""

from .architecture import (
    ARCH_LABEL,
    CertificateRequest,
    CertomancerBridge,
    IssuedCertificate,
    certificate_path,
    key_path,
    service_urls,
)
from .key_cache import remember_private_key
from .responders import (
    ServiceSigner,
    load_service_signer,
    revoked_certificate_entry,
    sign_crl,
    sign_timestamp_response,
)

__all__ = [
    "ARCH_LABEL",
    "CertificateRequest",
    "CertomancerBridge",
    "IssuedCertificate",
    "ServiceSigner",
    "certificate_path",
    "key_path",
    "load_service_signer",
    "remember_private_key",
    "revoked_certificate_entry",
    "service_urls",
    "sign_crl",
    "sign_timestamp_response",
]
