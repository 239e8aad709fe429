"""The testbed's state in, certomancer's PKI architecture out: how certificates get signed.

Certomancer describes a PKI declaratively and signs certificates from that description. A built
architecture is immutable, so for every certificate to sign we describe to certomancer what that
one certificate needs, and only that: its issuer's certificate (handed back as a pre-generated
file, ``certificate-file``, so no certificate ever changes its bytes) and key, and the services
its extensions name. Signing one certificate so costs the same whatever the testbed holds; a
new hierarchy (several certificates issuing one another) is one description. Key files live
under ``keys/``; a token's key appears as its public half only (``public-only``), since the
private key never leaves the token.

Service labels equal authority labels, so URLs read
``<base>/kyso/ocsp/<authority>``, ``<base>/kyso/crls/<authority>/latest.crl``,
``<base>/kyso/certs/<authority>/ca.crt`` and ``<base>/kyso/tsa/<authority>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from certomancer.config_utils import ConfigurationError
from certomancer.registry import CertomancerConfig, PKIArchitecture

from bilingual import say

from ...errors import InvalidInputError
from ..names import VietnameseName
from .key_cache import install_key_cache

ARCH_LABEL = "kyso"
KEYS_DIR = "keys"
CERTS_DIR = "certs"


@dataclass(frozen=True)
class CertificateRequest:
    """Everything certomancer needs to sign one certificate."""

    label: str
    subject_name: VietnameseName
    key_label: str
    issuer: str
    """Authority label of the issuer (equal to ``label`` for a self-signed root)."""
    issuer_certificate: str
    issuer_key_label: str
    serial: int
    not_before: datetime
    not_after: datetime
    digest: str = "sha256"
    extensions: list[dict[str, Any]] = field(default_factory=list)
    certomancer_profiles: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class IssuedCertificate:
    request: CertificateRequest
    public_key_only: bool


def key_path(directory: Path, key_label: str, *, public_only: bool) -> Path:
    suffix = "pub.pem" if public_only else "key.pem"
    return directory / KEYS_DIR / f"{key_label}.{suffix}"


def certificate_path(directory: Path, label: str) -> Path:
    return directory / CERTS_DIR / f"{label}.der"


def service_urls(base_url: str, authority: str) -> dict[str, str]:
    """The URLs certomancer writes into certificates for an authority's services."""
    prefix = f"{base_url}/{ARCH_LABEL}"
    return {
        "ocsp": f"{prefix}/ocsp/{authority}",
        "crl": f"{prefix}/crls/{authority}/latest.crl",
        "ca_certificate": f"{prefix}/certs/{authority}/ca.crt",
        "tsa": f"{prefix}/tsa/{authority}",
    }


class CertomancerBridge:
    """Describes the testbed to certomancer and gets certificates signed."""

    def __init__(
        self,
        directory: Path,
        base_url: str,
        authorities: dict[str, tuple[str, str, str | None]],
        crl_period_seconds: int,
    ) -> None:
        """``authorities`` maps a label to (certificate label, OCSP signer label, TSA label)."""
        install_key_cache()
        self.directory = directory
        self.base_url = base_url
        self.authorities = authorities
        self.crl_period_seconds = crl_period_seconds

    def _services(self, wanted: set[str]) -> dict[str, Any]:
        """The services of the authorities in ``wanted``: OCSP, CRL, certificate repository,
        TSA."""
        services: dict[str, Any] = {"ocsp": {}, "crl-repo": {}, "cert-repo": {},
                                    "time-stamping": {}}
        for authority, (certificate, ocsp_signer, tsa) in self.authorities.items():
            if authority not in wanted:
                continue
            services["ocsp"][authority] = {
                "for-issuer": authority, "issuer-cert": certificate,
                "responder-cert": ocsp_signer, "signing-key": ocsp_signer,
            }
            services["crl-repo"][authority] = {
                "for-issuer": authority, "issuer-cert": certificate, "signing-key": authority,
                "simulated-update-schedule": f"PT{self.crl_period_seconds}S",
            }
            services["cert-repo"][authority] = {
                "for-issuer": authority, "issuer-cert": certificate,
                "publish-issued-certs": False,
            }
            if tsa is not None:
                services["time-stamping"][authority] = {
                    "signing-key": tsa, "signing-cert": tsa,
                }
        return services

    def architecture(self, issued: list[IssuedCertificate], *new: IssuedCertificate
                     ) -> PKIArchitecture:
        """Certomancer's view of what signing ``new`` needs, and nothing more: the issuers'
        certificates (from their files, unless among ``new``) and keys, and the services the
        new certificates' extensions and their issuers' profiles name.

        Certomancer signs a certificate from its issuer's certificate (the authority key
        identifier), the issuer's name and key, and the URLs of the services the extensions
        name; nothing else of the description reaches the certificate. Describing every issued
        certificate instead cost ~19 ms per certificate, growing with the testbed (issue 22).
        """
        fresh = {item.request.label for item in new}
        wanted = {item.request.issuer_certificate for item in new} - fresh
        issuers = list({item.request.label: item for item in issued
                        if item.request.label in wanted}.values())
        return self.load(self.config([*issuers, *new], list(new),
                                     self.services_named(list(new), [*issuers, *new])))

    def services_named(self, new: list[IssuedCertificate], issuers: list[IssuedCertificate]
                       ) -> set[str]:
        """The authorities whose services the ``new`` certificates' extensions, or their
        issuers' profiles, refer to. Service labels equal authority labels, so any authority
        label among the settings' values is one (a label named but left out would make
        certomancer refuse, not differ)."""
        settings: list[Any] = [*(item.request.extensions for item in new),
                               *(item.request.certomancer_profiles for item in new),
                               *(item.request.certomancer_profiles for item in issuers)]
        return {text for text in _strings(settings) if text in self.authorities}

    def config(self, items: list[IssuedCertificate], new: list[IssuedCertificate],
               services: set[str]) -> dict[str, Any]:
        """Certomancer's configuration describing ``items`` (those not in ``new`` read back
        from their files) and the services of the authorities in ``services``."""
        fresh = {id(item) for item in new}
        keys: dict[str, dict[str, Any]] = {}
        entities: dict[str, dict[str, str]] = {}
        certs: dict[str, dict[str, Any]] = {}
        for item in items:
            request = item.request
            key_file = key_path(self.directory, request.key_label, public_only=item.public_key_only)
            keys[request.key_label] = {
                "path": str(key_file.relative_to(self.directory)),
                "public-only": item.public_key_only,
            }
            entities[request.label] = request.subject_name.certomancer_entity()
            certs[request.label] = self._certificate_spec(
                item, signed_already=id(item) not in fresh)
        # the issuer entity of every certificate is its authority's label: alias those names
        for authority, (certificate, _, _) in self.authorities.items():
            if certificate in entities:
                entities[authority] = entities[certificate]
        return {
            "keysets": {ARCH_LABEL: {"keys": keys}},
            "pki-architectures": {
                ARCH_LABEL: {
                    "keyset": ARCH_LABEL,
                    "entities": entities,
                    "certs": certs,
                    "services": self._services(services),
                }
            },
        }

    def _certificate_spec(self, item: IssuedCertificate, *, signed_already: bool
                          ) -> dict[str, Any]:
        """Certomancer's description of one certificate; one ``signed_already`` is read back
        from its file (``certificate-file``), so its bytes never change."""
        request = item.request
        spec: dict[str, Any] = {
            "subject": request.label,
            "subject-key": request.key_label,
            "issuer": request.issuer,
            "issuer-cert": request.issuer_certificate,
            "authority-key": request.issuer_key_label,
            "serial": request.serial,
            "validity": {
                "valid-from": request.not_before.isoformat(),
                "valid-to": request.not_after.isoformat(),
            },
            "digest-algo": request.digest,
            "extensions": request.extensions,
            "profiles": request.certomancer_profiles,
        }
        if signed_already:
            spec["certificate-file"] = str(
                certificate_path(self.directory, request.label).relative_to(self.directory))
        return spec

    def load(self, config: dict[str, Any]) -> PKIArchitecture:
        """The architecture certomancer builds from ``config``; a rejection names the cause."""
        try:
            loaded = CertomancerConfig(
                config,
                key_search_dir=str(self.directory),
                config_search_dir=str(self.directory),
                lazy_load_keys=True,
                external_url_prefix=self.base_url,
            )
        except (ConfigurationError, OSError) as error:
            raise InvalidInputError(say(f"mô tả chứng thư chữ ký số bị từ chối: {error}",
                                        f"certificate description rejected: {error}")) from None
        return loaded.get_pki_arch(ARCH_LABEL)  # type: ignore[arg-type]

    def sign(self, issued: list[IssuedCertificate], *new: IssuedCertificate) -> list[bytes]:
        """Have certomancer sign the ``new`` certificates (issuers before the certificates they
        issue) from one description; returns their DER and writes ``certs/<label>.der``."""
        signed = self.signed_all(issued, *new)
        for item, der in zip(new, signed, strict=True):
            path = certificate_path(self.directory, item.request.label)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(der)
        return signed

    def signed(self, issued: list[IssuedCertificate], new: IssuedCertificate) -> bytes:
        """Have certomancer sign ``new`` and return its DER, writing no file (a template:
        bulk issuance copies its profile's extensions, :mod:`testbed.ca.population`)."""
        return self.signed_all(issued, new)[0]

    def signed_all(self, issued: list[IssuedCertificate], *new: IssuedCertificate
                   ) -> list[bytes]:
        """The DER of each of the ``new`` certificates, signed from one description (a whole
        hierarchy is one description, not one per certificate)."""
        architecture = self.architecture(issued, *new)
        signed = []
        for item in new:
            label = item.request.label
            try:
                certificate: asn1_x509.Certificate = architecture.get_cert(label)
            except ConfigurationError as error:
                raise InvalidInputError(say(f"chứng thư chữ ký số '{label}': {error}",
                                            f"certificate '{label}': {error}")) from None
            signed.append(certificate.dump())
        return signed


def _strings(settings: Any) -> Iterator[str]:
    """Every string value inside nested lists and dicts of certomancer settings."""
    if isinstance(settings, str):
        yield settings
    elif isinstance(settings, dict):
        for value in settings.values():
            yield from _strings(value)
    elif isinstance(settings, list | tuple):
        for value in settings:
            yield from _strings(value)
