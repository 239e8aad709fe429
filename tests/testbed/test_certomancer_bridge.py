"""Certomancer signs one certificate from what it needs only, and the bytes do not change.

The oracle is a description of the whole testbed (every certificate with a file, every service),
built from the bridge's own parts, as the bridge once described it for every certificate: the
testbed's keys are RSA (PKCS#1 v1.5 signatures are deterministic), so the same certificate
signed from either description must be the same bytes, signature included.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from testbed.ca.authority_certificates import (
    authority_certificate,
    service_certificate,
    service_label,
)
from testbed.ca.branches import Branch
from testbed.ca.certomancer_bridge import CertificateRequest, IssuedCertificate, certificate_path
from testbed.ca.hierarchy import DEFAULT_HIERARCHY
from testbed.ca.lifecycle import request_of
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import (
    ProfileKind,
    RuleBreak,
    authority_information_access,
    crl_distribution_point,
    subscriber_extensions,
)
from testbed.clock import wall_clock
from testbed.session import Testbed
from testbed.world import CertificateRole, KeySource

HOLDER = VietnameseName(common_name="Trần Thị Bình", organization="Sở Tư pháp", locality="Huế")


def _requests(testbed: Testbed) -> dict[str, CertificateRequest]:
    """One request of each kind the testbed signs: subscriber (with and without rule breaks),
    sub-CA, OCSP responder, TSA, self-signed root; all for an existing key."""
    state = testbed.state
    holder = testbed.issue("bridge-holder", name=HOLDER)
    now = testbed.now()

    def under(issuer: str, label: str, extensions: list[dict[str, Any]],
              profiles: list[Any] | None = None) -> CertificateRequest:
        issuer_key = state.certificates[state.authorities[issuer].certificate].key_label
        return CertificateRequest(
            label=label, subject_name=HOLDER.marked().normalised(), key_label=holder.key_label,
            issuer=issuer, issuer_certificate=state.authorities[issuer].certificate,
            issuer_key_label=issuer_key, serial=4242, not_before=now,
            not_after=now.replace(year=now.year + 1), extensions=extensions,
            certomancer_profiles=profiles or [])

    plain = subscriber_extensions(ProfileKind.PERSONAL, Branch.CONG_VU, "ca-cv", frozenset())
    broken = subscriber_extensions(ProfileKind.DEVICE, Branch.PUBLIC, "ca-public",
                                   frozenset({RuleBreak.MISSING_AIA, RuleBreak.WRONG_EKU}))
    root = under("ca-cv", "bridge-root", [], [{"id": "simple-ca"}])
    return {
        "subscriber": under("ca-cv", "bridge-subscriber", plain),
        "rule-breaks": replace(under("ca-public", "bridge-broken", broken), digest="sha1"),
        "sub-ca": under("root-neac", "bridge-sub-ca",
                        [crl_distribution_point("root-neac"),
                         authority_information_access("root-neac")],
                        [{"id": "simple-ca", "params": {"max-path-len": 0}}]),
        "ocsp-responder": under("ca-other", "bridge-ocsp", [], ["ocsp-responder"]),
        "tsa": under("ca-cv", "bridge-tsa",
                     [{"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                      crl_distribution_point("ca-cv"), authority_information_access("ca-cv")]),
        "self-signed": replace(root, issuer="bridge-root", issuer_certificate="bridge-root",
                               issuer_key_label=holder.key_label),
    }


@pytest.mark.parametrize("kind", ["subscriber", "rule-breaks", "sub-ca", "ocsp-responder", "tsa",
                                  "self-signed"])
def test_signing_from_the_needed_parts_gives_the_bytes_of_the_whole_description(
        testbed: Testbed, kind: str) -> None:
    state = testbed.state
    bridge = testbed.lifecycle.certomancer_bridge(state)
    known = testbed.lifecycle.known_to_certomancer(state)
    new = IssuedCertificate(_requests(testbed)[kind], public_key_only=False)
    every = [IssuedCertificate(request_of(record, state), record.key_source is KeySource.TOKEN)
             for record in state.certificates.values()
             if certificate_path(testbed.directory, record.label).exists()]
    whole = bridge.load(bridge.config([*every, new], [new], set(bridge.authorities)))
    assert bridge.signed(known, new) == whole.get_cert(new.request.label).dump()


def test_certomancer_is_told_only_the_issuer_and_the_services_the_extensions_name(
        testbed: Testbed) -> None:
    state = testbed.state
    bridge = testbed.lifecycle.certomancer_bridge(state)
    known = testbed.lifecycle.known_to_certomancer(state)
    new = IssuedCertificate(_requests(testbed)["rule-breaks"], public_key_only=False)
    architecture = bridge.architecture(known, new)
    described = {spec.label.value for _, specs in architecture.enumerate_certs_by_issuer()
                 for spec in specs}
    assert described == {"ca-public", "bridge-broken"}
    services = architecture.service_registry
    listed = [*services.list_crl_repos(), *services.list_ocsp_responders(),
              *services.list_cert_repos(), *services.list_time_stamping_services()]
    assert {info.label.value for info in listed} == {"ca-public"}  # the five others left out


def test_the_hierarchy_signed_as_one_description_equals_each_certificate_signed_alone(
        tmp_path: Path) -> None:
    testbed = Testbed.create(tmp_path / "testbed", at=wall_clock())
    testbed.stop()
    state = testbed.state
    bridge = testbed.lifecycle.certomancer_bridge(state)
    known = testbed.lifecycle.known_to_certomancer(state)
    checked = 0
    for spec in DEFAULT_HIERARCHY:
        record = state.certificates[spec.label]
        planned = [authority_certificate(state, spec, record.not_before, record.issued_at,
                                         record.serial, record.key_type)]
        roles = [*([CertificateRole.OCSP_RESPONDER] if spec.issues_subscribers else []),
                 *([CertificateRole.TSA] if spec.runs_tsa else [])]
        for role in roles:
            service = state.certificates[service_label(state, spec, role)]
            planned.append(service_certificate(state, spec, role, service.not_before,
                                               service.issued_at, service.serial,
                                               service.key_type))
        for item in planned:
            assert item.record == state.certificates[item.record.label]
            request = request_of(item.record, state, item.extensions, item.profiles)
            alone = bridge.signed(known, IssuedCertificate(request, public_key_only=False))
            assert alone == testbed.certificate_der(item.record.label), item.record.label
            checked += 1
    assert checked == len(state.certificates) == 12
