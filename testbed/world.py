"""The testbed's state: authorities, subscribers, certificates, revocations, services, clock.

Certomancer describes a PKI once and is immutable afterwards; a testbed changes all the time
(issue, renew, revoke, move the clock). This module holds the changing state as one pydantic
model. It is persisted by :class:`~testbed.registry_store.WorldStore` in an SQLite file of the
testbed directory (one row per certificate and subscriber, written only when it changes), changed
under an exclusive file lock, so a command in another process (``kyso ca revoke``) and the running
services (``kyso up``) agree on one truth; ``registry.json`` remains, as an export a person reads.
Every successful change bumps ``revision``; services use it to drop cached responses.

Certificates themselves are stored as DER files beside the registry, so a certificate never
changes its bytes once issued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from bilingual import say

from .ca.branches import Branch
from .ca.names import VietnameseName
from .ca.profiles import ProfileKind, RuleBreak
from .ca.revocation_reasons import RevocationReason
from .clock import Clock
from .errors import UnknownSubscriberError
from .service_modes import ServiceMode

REGISTRY_FILE = "registry.json"
STATE_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CertificateRole(StrEnum):
    AUTHORITY = "authority"
    OCSP_RESPONDER = "ocsp-responder"
    TSA = "tsa"
    SUBSCRIBER = "subscriber"


class KeySource(StrEnum):
    SOFTWARE = "software"
    """A key file in the testbed directory (authorities, or a subscriber without a token)."""
    TOKEN = "token"
    """Only the public key is known here; the private key never left the token."""
    DISCARDED = "discarded"
    """Issued in bulk (``kyso ca populate``): the private key was dropped once certified."""


class Revocation(_Model):
    reason: RevocationReason
    revoked_at: datetime = Field(description="revocationDate: when the CA revoked it.")
    invalidity_date: datetime | None = Field(
        default=None, description="When the key is known or suspected to have been compromised "
        "(e.g. the date a token loss was reported)."
    )


class CertificateRecord(_Model):
    """One issued certificate; its bytes are in ``certs/<label>.der``."""

    label: str
    serial: int
    role: CertificateRole
    issuer: str = Field(description="Label of the issuing authority.")
    holder: str = Field(description="Authority label or subscriber id.")
    branch: Branch
    subject_name: VietnameseName
    key_label: str = Field(description="Key file label: keys/<label>.key.pem (software) or "
                           "keys/<label>.pub.pem (token: public half only).")
    profile: ProfileKind | None = None
    rule_breaks: list[RuleBreak] = Field(default_factory=list)
    not_before: datetime
    not_after: datetime
    key_source: KeySource
    key_type: str
    revocation: Revocation | None = None
    replaces: str | None = Field(default=None, description="Label of the certificate this one "
                                 "renews, re-issues or replaces after a change of information.")
    issued_at: datetime = Field(description="Testbed instant at which the CA issued it.")

    def is_revoked_at(self, instant: datetime) -> bool:
        return self.revocation is not None and self.revocation.revoked_at <= instant


class Subscriber(_Model):
    """A person, organisation or device holding certificates from the testbed."""

    id: str = Field(description="Stable slug, e.g. 'nguyen-van-an'.")
    name: VietnameseName
    profile: ProfileKind
    branch: Branch
    issuer: str
    certificates: list[str] = Field(default_factory=list, description="Labels, oldest first.")

    @property
    def current_certificate(self) -> str | None:
        return self.certificates[-1] if self.certificates else None


class ServiceBehaviour(_Model):
    mode: ServiceMode = ServiceMode.NORMAL
    delay_seconds: float = 0.0
    stale_since: datetime | None = Field(
        default=None, description="For STALE CRLs: serve the CRL as it was at this instant.")


class AuthorityRecord(_Model):
    label: str
    name: VietnameseName
    branch: Branch
    parent: str | None
    certificate: str = Field(description="Label of the authority's certificate.")
    ocsp_responder: str = Field(description="Label of the certificate that signs its OCSP "
                                "responses (the authority's own for roots).")
    tsa: str | None = None
    issues_subscribers: bool


class TokenStatus(StrEnum):
    """Where a subscriber's token is (Decree 68 Art. 20–22)."""

    IN_USE = "in-use"
    LOST = "lost"
    """Reported lost (Art. 20 d); its certificate is revoked (keyCompromise)."""
    RETURNED = "returned"
    """Handed back when its certificate ended (Art. 20 a–c); deleted from SoftHSM."""

    def words(self) -> str:
        """The status in words for a person, bilingual (:func:`bilingual.say`)."""
        return say(*{TokenStatus.IN_USE: ("đang sử dụng", "in use"),
                     TokenStatus.LOST: ("đã bị mất", "lost"),
                     TokenStatus.RETURNED: ("đã trả lại", "returned")}[self])


class TokenRecord(_Model):
    """A subscriber's USB token, emulated by SoftHSM2 in the testbed directory."""

    label: str
    subscriber: str
    certificate: str = Field(description="Label of the certificate on the token.")
    key_type: str
    status: TokenStatus = TokenStatus.IN_USE
    handed_over_at: datetime
    reported_lost_at: datetime | None = None
    returned_at: datetime | None = None
    access_file: str = Field(description="Relative path of the JSON a third-party program "
                             "needs (module, environment, labels; the PIN only by file path).")
    pin_file: str = Field(description="Relative path of the user-PIN file (mode 0600).")
    so_pin_file: str = Field(description="Relative path of the SO-PIN file (mode 0600).")


class ClockState(_Model):
    pinned_at: datetime | None = None
    offset_seconds: float = 0.0

    def clock(self) -> Clock:
        return Clock(pinned_at=self.pinned_at, offset=timedelta(seconds=self.offset_seconds))

    @classmethod
    def of(cls, clock: Clock) -> ClockState:
        return cls(pinned_at=clock.pinned_at, offset_seconds=clock.offset.total_seconds())


class WorldState(_Model):
    """Everything a testbed knows, as kept in the registry (exported as ``registry.json``)."""

    version: int = STATE_VERSION
    revision: int = 0
    base_url: str = Field(description="http://127.0.0.1:<port>, baked into every AIA and CRL DP.")
    created_at: datetime
    clock: ClockState
    crl_period_seconds: int = Field(default=86400, description="Scheduled CRL issuance period.")
    authorities: dict[str, AuthorityRecord] = Field(default_factory=dict)
    certificates: dict[str, CertificateRecord] = Field(default_factory=dict)
    subscribers: dict[str, Subscriber] = Field(default_factory=dict)
    services: dict[str, ServiceBehaviour] = Field(
        default_factory=dict, description="Per service ('ocsp:ca-cv', 'crl:ca-cv', 'tsa:ca-cv')."
    )
    crl_publications: dict[str, list[datetime]] = Field(
        default_factory=dict, description="Out-of-cycle CRL issuances per authority.")
    tokens: dict[str, TokenRecord] = Field(default_factory=dict)

    # ---- lookups with user-facing errors -------------------------------------------------
    def subscriber(self, subscriber_id: str) -> Subscriber:
        try:
            return self.subscribers[subscriber_id]
        except KeyError:
            known = ", ".join(sorted(self.subscribers))
            raise UnknownSubscriberError(say(
                f"thuê bao '{subscriber_id}' không tồn tại (đã có: {known or 'chưa có ai'})",
                f"subscriber '{subscriber_id}' does not exist (known: {known or 'none yet'})",
            )) from None

    def certificate(self, reference: str) -> CertificateRecord:
        """A certificate by label, by decimal or 0x-hex serial, or a subscriber's current one."""
        if reference in self.certificates:
            return self.certificates[reference]
        if reference in self.subscribers:
            current = self.subscribers[reference].current_certificate
            if current is not None:
                return self.certificates[current]
        serial = _parse_serial(reference)
        by_serial = getattr(self.certificates, "label_of_serial", None)
        if serial is not None and by_serial is not None:  # the registry's index
            label = by_serial(serial)
            if label is not None:
                return self.certificates[label]
        elif serial is not None:
            for record in self.certificates.values():
                if record.serial == serial:
                    return record
        raise UnknownSubscriberError(say(
            f"testbed này không có chứng thư chữ ký số, số hiệu hay thuê bao nào tên '{reference}'",
            f"no certificate, serial or subscriber named '{reference}' in this testbed",
        ))

    def token(self, label: str) -> TokenRecord:
        try:
            return self.tokens[label]
        except KeyError:
            known = ", ".join(sorted(self.tokens))
            raise UnknownSubscriberError(say(
                f"token '{label}' không tồn tại (đã có: {known or 'chưa có token nào'})",
                f"token '{label}' does not exist (known: {known or 'none yet'})")) from None

    def authority(self, label: str) -> AuthorityRecord:
        try:
            return self.authorities[label]
        except KeyError:
            known = ", ".join(sorted(self.authorities))
            raise UnknownSubscriberError(say(
                f"CA '{label}' không tồn tại (đã có: {known})",
                f"authority '{label}' does not exist (known: {known})")) from None

    def issued_by(self, authority: str) -> list[CertificateRecord]:
        return [record for record in self.certificates.values() if record.issuer == authority
                and record.label != self.authorities[authority].certificate]


def _parse_serial(text: str) -> int | None:
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None
