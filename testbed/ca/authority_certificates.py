"""What the testbed's own hierarchy certifies: each authority's certificate, its delegated OCSP
responder's and its timestamp authority's, as records plus the certomancer settings to sign them.

Planning apart from signing lets :meth:`~testbed.ca.lifecycle.Lifecycle.create` hand the whole
hierarchy to certomancer as one description (one architecture built instead of twelve, issue 22),
while a TSA's renewal (:mod:`.tsa_renewal`) plans and signs one service certificate the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..world import AuthorityRecord, CertificateRecord, CertificateRole, KeySource, WorldState
from .hierarchy import AuthoritySpec, ocsp_responder_label, tsa_label
from .names import VietnameseName
from .profiles import add_years, authority_information_access, crl_distribution_point

TSA_VALIDITY_YEARS = 10


@dataclass(frozen=True)
class Planned:
    """A certificate to sign: its registry record and what certomancer puts in it."""

    record: CertificateRecord
    extensions: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[Any] = field(default_factory=list)
    digest: str = "sha256"


def authority_record(spec: AuthoritySpec) -> AuthorityRecord:
    """The registry's record of an authority: its certificate, OCSP signer and TSA labels
    (issuing CAs answer OCSP through a delegated responder, roots sign their own)."""
    return AuthorityRecord(
        label=spec.label, name=spec.name.marked().normalised(), branch=spec.branch,
        parent=spec.parent, certificate=spec.label,
        ocsp_responder=ocsp_responder_label(spec.label) if spec.issues_subscribers
        else spec.label,
        tsa=tsa_label(spec.label) if spec.runs_tsa else None,
        issues_subscribers=spec.issues_subscribers,
    )


def authority_certificate(state: WorldState, spec: AuthoritySpec, epoch: datetime,
                          now: datetime, serial: int, key_description: str) -> Planned:
    """An authority's certificate: a CA (``simple-ca``); a sub-CA can issue end entities only
    (path length 0) and points at its parent's CRL and OCSP/caIssuers."""
    record = CertificateRecord(
        label=spec.label, serial=serial, role=CertificateRole.AUTHORITY,
        issuer=spec.parent or spec.label, holder=spec.label, branch=spec.branch,
        subject_name=state.authorities[spec.label].name, key_label=spec.label,
        not_before=epoch, not_after=add_years(epoch, spec.validity_years),
        key_source=KeySource.SOFTWARE, key_type=key_description, issued_at=now,
    )
    ca_profile: dict[str, Any] = {"id": "simple-ca"}
    extensions: list[dict[str, Any]] = []
    if spec.parent is not None:
        ca_profile["params"] = {"max-path-len": 0}
        extensions = [crl_distribution_point(spec.parent),
                      authority_information_access(spec.parent)]
    return Planned(record, extensions, [ca_profile])


def service_label(state: WorldState, spec: AuthoritySpec, role: CertificateRole) -> str:
    """The certificate label of an authority's OCSP responder or (current) TSA."""
    authority = state.authorities[spec.label]
    if role is CertificateRole.OCSP_RESPONDER:
        return authority.ocsp_responder
    assert authority.tsa is not None
    return authority.tsa


def service_certificate(state: WorldState, spec: AuthoritySpec, role: CertificateRole,
                        epoch: datetime, now: datetime, serial: int, key_description: str
                        ) -> Planned:
    """The certificate of an authority's OCSP responder (``ocsp-responder``: id-pkix-ocsp-nocheck)
    or TSA (critical timeStamping EKU), issued by the authority."""
    if role is CertificateRole.OCSP_RESPONDER:
        what = "OCSP"
        profiles: list[Any] = ["ocsp-responder"]
        extensions: list[dict[str, Any]] = []
    else:
        what = "TSA"
        profiles = []
        extensions = [
            {"id": "key_usage", "critical": True,
             "smart-value": {"schema": "key-usage",
                             "params": ["digital_signature", "non_repudiation"]}},
            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
            crl_distribution_point(spec.label),
            authority_information_access(spec.label),
        ]
    name = VietnameseName(
        common_name=f"{spec.name.common_name} {what}",
        organization=spec.name.organization, locality=spec.name.locality,
    ).marked().normalised()
    # The responder lives as long as its CA, and the TSA ten years, so that scenarios can
    # move the clock years ahead without the services' own certificates expiring under them.
    years = spec.validity_years if role is CertificateRole.OCSP_RESPONDER else TSA_VALIDITY_YEARS
    label = service_label(state, spec, role)
    record = CertificateRecord(
        label=label, serial=serial, role=role, issuer=spec.label, holder=spec.label,
        branch=spec.branch, subject_name=name, key_label=label, not_before=epoch,
        not_after=add_years(epoch, years), key_source=KeySource.SOFTWARE,
        key_type=key_description, issued_at=now,
    )
    return Planned(record, extensions, profiles)


__all__ = ["Planned", "authority_certificate", "authority_record", "service_certificate",
           "service_label"]
