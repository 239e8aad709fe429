"""The testbed's certification authorities, described as data.

Three branches, each a root with one issuing CA under it:

* ``cong-vu``: modelled on the Government specialised public-service PKI of Ban Cơ yếu Chính phủ
  (Decree 68/2024): a root and the issuing CA modelled on Cục Chứng thực số và Bảo mật thông tin;
  it also runs the timestamp authority the công vụ provider publishes (ND68 Art. 29.4).
* ``public``: modelled on the national root of NEAC with one public CA under it (Decree 23/2025,
  TT 15/2025 Art. 5.2.b: the trusted path must link to NEAC's root).
* ``other``: an unrelated root, trusted by nobody, for negative cases; its issuing CA also runs
  a timestamp authority (an untrusted TSA).

Every authority gets its own CRL, OCSP responder and certificate repository. Issuing CAs answer
OCSP through a delegated responder certificate (id-pkix-ocsp-nocheck), roots sign their own
responses; both forms are allowed by RFC 6960 and verifiers must handle both.

Validity periods follow Decree 68 Art. 9.1 (a provider's certificate: 20 years) for công vụ and
Decree 23 (NEAC root 25 years, public CA 10 years, SECONDARY) for the public branch.
"""

from __future__ import annotations

from dataclasses import dataclass

from .branches import Branch
from .key_types import KeyType
from .names import VietnameseName


@dataclass(frozen=True)
class AuthoritySpec:
    """One certification authority of the testbed."""

    label: str
    """Stable identifier, used in URLs, file names and the registry."""
    name: VietnameseName
    branch: Branch
    parent: str | None
    """Label of the issuing authority; ``None`` for a self-signed root."""
    validity_years: int
    key_type: KeyType = KeyType.RSA2048
    issues_subscribers: bool = False
    """True for the issuing CAs that subscribers' certificates come from."""
    runs_tsa: bool = False
    """True when this authority issues the certificate of a timestamp authority it publishes."""

    @property
    def is_root(self) -> bool:
        return self.parent is None


DEFAULT_HIERARCHY: tuple[AuthoritySpec, ...] = (
    AuthoritySpec(
        label="root-cv",
        name=VietnameseName(
            common_name="Cơ quan chứng thực số chuyên dùng Chính phủ",
            organization="Ban Cơ yếu Chính phủ",
        ),
        branch=Branch.CONG_VU,
        parent=None,
        validity_years=20,
    ),
    AuthoritySpec(
        label="ca-cv",
        name=VietnameseName(
            common_name="Cục Chứng thực số và Bảo mật thông tin",
            organization="Ban Cơ yếu Chính phủ",
            locality="Hà Nội",
        ),
        branch=Branch.CONG_VU,
        parent="root-cv",
        validity_years=20,
        issues_subscribers=True,
        runs_tsa=True,
    ),
    AuthoritySpec(
        label="root-neac",
        name=VietnameseName(
            common_name="NEAC - Trung tâm Chứng thực điện tử quốc gia",
            organization="Bộ Khoa học và Công nghệ",
        ),
        branch=Branch.PUBLIC,
        parent=None,
        validity_years=25,
    ),
    AuthoritySpec(
        label="ca-public",
        name=VietnameseName(
            common_name="CA công cộng Việt Nam",
            organization="Công ty Dịch vụ chứng thực chữ ký số công cộng",
            locality="Hà Nội",
        ),
        branch=Branch.PUBLIC,
        parent="root-neac",
        validity_years=10,
        issues_subscribers=True,
        runs_tsa=True,
    ),
    AuthoritySpec(
        label="root-other",
        name=VietnameseName(
            common_name="Unrelated Root CA (không được tin cậy)",
            organization="Tổ chức không liên quan",
        ),
        branch=Branch.OTHER,
        parent=None,
        validity_years=20,
    ),
    AuthoritySpec(
        label="ca-other",
        name=VietnameseName(
            common_name="Unrelated Issuing CA (không được tin cậy)",
            organization="Tổ chức không liên quan",
        ),
        branch=Branch.OTHER,
        parent="root-other",
        validity_years=10,
        issues_subscribers=True,
        # an untrusted TSA for the timestamp attacks: a well-formed token whose TSA chains to
        # nothing the verifier trusts must not prove a signing time (TT15-6.1.g)
        runs_tsa=True,
    ),
)


def default_issuing_ca(branch: Branch) -> str:
    """The issuing CA subscribers of ``branch`` get their certificates from."""
    for authority in DEFAULT_HIERARCHY:
        if authority.branch is branch and authority.issues_subscribers:
            return authority.label
    raise KeyError(branch)


def ocsp_responder_label(authority: str) -> str:
    """Certificate label of the delegated OCSP responder of an issuing CA."""
    return f"{authority}-ocsp"


def tsa_label(authority: str) -> str:
    """Certificate label of the timestamp authority an authority publishes."""
    return f"{authority}-tsa"
