"""Subscriber certificate profiles (Decree 68/2024 Art. 7 and 9) and named rule-breaks.

A profile decides what a subscriber certificate carries beyond the name and key: key usages,
extended key usages, a certificate policy, the CRL distribution point and the AIA (OCSP and
caIssuers) URLs that real Vietnamese certificates carry, and the longest validity the law allows.

Decree 68 Art. 7 lists the content of a công vụ certificate (provider name, subscriber name,
serial, validity, public key, provider's signature, limits on purpose and scope); the last item is
carried by keyUsage / extendedKeyUsage and the certificate policy. Art. 9: a new subscriber
certificate lasts at most 5 years, a renewal extends it by at most 3 years. Public subscriber
certificates (Decree 23) last at most 3 years (SECONDARY in the reference).

A :class:`RuleBreak` asks a profile to break one rule on purpose, for negative cases.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bilingual import say

from ..errors import parse_choice
from .branches import Branch

# Policy OIDs live under the UUID arc 2.25 (ITU-T X.667): anyone may mint them, so they cannot
# collide with a real CA's policy and cannot be mistaken for one.
_POLICY_ROOT = "2.25." + str(uuid.UUID("6b79736f-0000-4000-8000-000000000704").int)


class ProfileKind(StrEnum):
    """Certificate profiles of Decree 68 Art. 7 (personal, organisation seal, device/service)."""

    PERSONAL = "personal"
    ORGANISATION = "organisation"
    DEVICE = "device"

    @classmethod
    def parse(cls, text: str, *, field: str = "profile") -> ProfileKind:
        return parse_choice(cls, text, field=field)

    def words(self) -> str:
        """The profile in words for a person, bilingual (:func:`bilingual.say`)."""
        return say(*{ProfileKind.PERSONAL: ("cá nhân", "personal"),
                     ProfileKind.ORGANISATION: ("tổ chức (con dấu)", "organisation (seal)"),
                     ProfileKind.DEVICE: ("thiết bị, dịch vụ", "device or service")}[self])


class RuleBreak(StrEnum):
    """One rule a profile can be asked to break, for negative test cases."""

    SHA1 = "sha1"
    """The CA signs the certificate with SHA-1 (TT15 Annex I 1.3 lists SHA-2/SHA-3 only)."""
    MISSING_KEY_USAGE = "missing-key-usage"
    """No keyUsage extension at all."""
    NO_NON_REPUDIATION = "no-non-repudiation"
    """keyUsage without nonRepudiation (contentCommitment)."""
    WRONG_EKU = "wrong-eku"
    """extendedKeyUsage for TLS servers only: not a signing certificate."""
    MISSING_CRL_DP = "missing-crl-dp"
    """No CRL distribution point: status only through OCSP."""
    MISSING_AIA = "missing-aia"
    """No authorityInfoAccess: no OCSP URL, no caIssuers URL."""
    OVERLONG_VALIDITY = "overlong-validity"
    """Validity longer than Decree 68 Art. 9 (or Decree 23) allows."""

    @classmethod
    def parse(cls, text: str, *, field: str = "rule break") -> RuleBreak:
        return parse_choice(cls, text, field=field)


@dataclass(frozen=True)
class ProfileRules:
    """What a profile puts in a certificate."""

    key_usage: frozenset[str]
    extended_key_usage: tuple[str, ...]
    policy_suffix: int


_RULES: dict[ProfileKind, ProfileRules] = {
    ProfileKind.PERSONAL: ProfileRules(
        key_usage=frozenset({"digital_signature", "non_repudiation", "key_encipherment"}),
        extended_key_usage=("client_auth", "email_protection"),
        policy_suffix=1,
    ),
    ProfileKind.ORGANISATION: ProfileRules(
        key_usage=frozenset({"digital_signature", "non_repudiation"}),
        extended_key_usage=("client_auth", "email_protection"),
        policy_suffix=2,
    ),
    ProfileKind.DEVICE: ProfileRules(
        key_usage=frozenset({"digital_signature", "key_encipherment"}),
        extended_key_usage=("server_auth", "client_auth"),
        policy_suffix=3,
    ),
}


def policy_oid(branch: Branch, kind: ProfileKind) -> str:
    """The testbed's certificate policy OID for a branch and profile."""
    branch_number = {Branch.CONG_VU: 1, Branch.PUBLIC: 2, Branch.OTHER: 9}[branch]
    return f"{_POLICY_ROOT}.{branch_number}.{_RULES[kind].policy_suffix}"


def max_validity_years(branch: Branch, *, renewal: bool) -> int:
    """The longest validity, in years, the law allows for a subscriber certificate of ``branch``.

    công vụ: 5 years new (ND68 Art. 9.2), 3 years per renewal (Art. 9.3); public: 3 years
    (Decree 23, SECONDARY).
    """
    if branch is Branch.CONG_VU:
        return 3 if renewal else 5
    return 3


def add_years(instant: datetime, years: int) -> datetime:
    """``instant`` plus whole calendar years (29 February becomes 28 February)."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, day=28)


def signature_digest(breaks: frozenset[RuleBreak]) -> str:
    """The digest the CA signs the certificate with."""
    return "sha1" if RuleBreak.SHA1 in breaks else "sha256"


def subscriber_extensions(
    kind: ProfileKind,
    branch: Branch,
    issuer: str,
    breaks: frozenset[RuleBreak],
) -> list[dict[str, Any]]:
    """Certomancer extension settings for a subscriber certificate issued by ``issuer``."""
    rules = _RULES[kind]
    extensions: list[dict[str, Any]] = []
    if RuleBreak.MISSING_KEY_USAGE not in breaks:
        usages = set(rules.key_usage)
        if RuleBreak.NO_NON_REPUDIATION in breaks:
            usages.discard("non_repudiation")
        extensions.append(
            {"id": "key_usage", "critical": True,
             "smart-value": {"schema": "key-usage", "params": sorted(usages)}}
        )
    eku = ["server_auth"] if RuleBreak.WRONG_EKU in breaks else list(rules.extended_key_usage)
    extensions.append({"id": "extended_key_usage", "critical": False, "value": eku})
    extensions.append(
        {"id": "certificate_policies",
         "value": [{"policy_identifier": policy_oid(branch, kind)}]}
    )
    extensions.append({"id": "basic_constraints", "critical": True, "value": {"ca": False}})
    if RuleBreak.MISSING_CRL_DP not in breaks:
        extensions.append(crl_distribution_point(issuer))
    if RuleBreak.MISSING_AIA not in breaks:
        extensions.append(authority_information_access(issuer))
    return extensions


def crl_distribution_point(issuer: str) -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [issuer]}},
    }


def authority_information_access(issuer: str, *, with_ocsp: bool = True) -> dict[str, Any]:
    params: dict[str, Any] = {"ca-issuer-links": [{"repo": issuer}]}
    if with_ocsp:
        params["ocsp-responder-names"] = [issuer]
    return {
        "id": "authority_information_access",
        "smart-value": {"schema": "aia-urls", "params": params},
    }
