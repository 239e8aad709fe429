"""Certificate lifecycle at run time: create the hierarchy, issue, renew, change information,
revoke (reason, date), re-issue after revocation, compromise an authority.

Each operation is one transaction on the testbed registry: take the lock, load, check the request
against the state (every user mistake raises a :class:`~testbed.errors.TestbedError` *before*
anything changes), let certomancer sign what is needed, bump the revision, save. The clock is the
testbed's simulated clock, never the wall clock.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bilingual import say

from ..clock import Clock
from ..errors import InvalidInputError, InvalidStateError
from ..registry_store import WorldStore
from ..world import (
    CertificateRecord,
    CertificateRole,
    ClockState,
    KeySource,
    Revocation,
    Subscriber,
    WorldState,
)
from . import refusals
from .authority_certificates import (
    Planned,
    authority_certificate,
    authority_record,
    service_certificate,
    service_label,
)
from .branches import Branch
from .certomancer_bridge import (
    CertificateRequest,
    CertomancerBridge,
    IssuedCertificate,
    certificate_path,
    key_path,
)
from .hierarchy import DEFAULT_HIERARCHY, AuthoritySpec
from .issuers import issuing_ca, issuing_cas
from .key_types import SERVICE_KEY_TYPES, KeyType
from .keys import (
    describe_public_key,
    public_key_der_of,
    role_key,
    write_private_key,
    write_public_key,
)
from .names import VietnameseName
from .profiles import (
    ProfileKind,
    RuleBreak,
    add_years,
    max_validity_years,
    signature_digest,
    subscriber_extensions,
)
from .revocation_reasons import RevocationReason

AUTHORITY_BACKDATE = timedelta(days=730)
"""Authorities are valid from two years before the testbed starts, so scenarios can move the
clock back to 'last month' or 'last year' and still find a working hierarchy."""

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def new_serial() -> int:
    """A random positive serial of up to 127 bits, as real CAs use (RFC 5280: ≤ 20 octets)."""
    return secrets.randbits(127) | 1


def slug(text: str) -> str:
    """'Nguyễn Văn An' → 'nguyen-van-an': an ASCII id for files, URLs and the command line."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:63] or "subscriber"


def check_subscriber_id(subscriber_id: str) -> str:
    if not _SLUG.match(subscriber_id):
        raise InvalidInputError(say(
            f"subscriber id: '{subscriber_id}' chỉ được gồm chữ thường không dấu, chữ số và '-' "
            "(ví dụ nguyen-van-an)",
            f"subscriber id: '{subscriber_id}' must be lower-case letters, digits and '-' "
            "(e.g. nguyen-van-an)",
        ))
    return subscriber_id


def request_of(record: CertificateRecord, state: WorldState,
                extensions: list[dict[str, Any]] | None = None,
                profiles: list[Any] | None = None) -> CertificateRequest:
    """What certomancer needs to sign ``record``'s certificate with these settings."""
    issuer = state.authorities.get(record.issuer)
    issuer_certificate = issuer.certificate if issuer else record.label
    if issuer_certificate == record.label:
        issuer_key = record.key_label  # self-signed root
    else:
        issuer_key = state.certificates[issuer_certificate].key_label
    return CertificateRequest(
        label=record.label,
        subject_name=record.subject_name,
        key_label=record.key_label,
        issuer=record.issuer,
        issuer_certificate=issuer_certificate,
        issuer_key_label=issuer_key,
        serial=record.serial,
        not_before=record.not_before,
        not_after=record.not_after,
        extensions=extensions or [],
        certomancer_profiles=profiles or [],
    )


class Lifecycle:
    """Operations on one testbed directory's certificates."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.store = WorldStore(directory)

    # ---- plumbing ----------------------------------------------------------------------------
    def certomancer_bridge(self, state: WorldState) -> CertomancerBridge:
        authorities = {
            label: (record.certificate, record.ocsp_responder, record.tsa)
            for label, record in state.authorities.items()
        }
        return CertomancerBridge(self.directory, state.base_url, authorities,
                                 state.crl_period_seconds)

    def known_to_certomancer(self, state: WorldState) -> list[IssuedCertificate]:
        """The certificates one more certificate can be issued under: the authorities'. The
        bridge hands certomancer the issuer's alone (:meth:`CertomancerBridge.architecture`);
        never the subscribers' (a view of every certificate made one issue cost 1.1 s at 3,000
        certificates)."""
        known = [state.certificates[authority.certificate]
                 for authority in state.authorities.values()
                 if authority.certificate in state.certificates]
        return [IssuedCertificate(request_of(record, state),
                                  public_key_only=record.key_source is KeySource.TOKEN)
                for record in known]

    def transaction(self, change: Callable[[WorldState], Any]) -> Any:
        """Run ``change`` on the freshly loaded state under the lock and save it on success."""
        with self.store.locked():
            state = self.store.load()
            result = change(state)
            state.revision += 1
            self.store.save(state)
        return result

    def read(self) -> WorldState:
        return self.store.load()

    # ---- creation -----------------------------------------------------------------------------
    def create(self, base_url: str, clock: Clock,
               hierarchy: Iterable[AuthoritySpec] = DEFAULT_HIERARCHY,
               service_key: KeyType = KeyType.RSA2048) -> WorldState:
        """Generate every authority's key and certificate and write a new registry; the OCSP
        responders and TSAs get ``service_key`` keys (see :data:`SERVICE_KEY_TYPES`)."""
        if service_key not in SERVICE_KEY_TYPES:
            raise InvalidInputError(say(
                f"service key: chỉ dùng được {', '.join(SERVICE_KEY_TYPES)}",
                f"service key: one of {', '.join(SERVICE_KEY_TYPES)}"))
        if self.store.exists():
            raise InvalidStateError(say(f"{self.directory}: ở đây đã có một testbed",
                                        f"{self.directory}: a testbed already exists here"))
        now = clock.now()
        state = WorldState(base_url=base_url, created_at=now, clock=ClockState.of(clock))
        epoch = now - AUTHORITY_BACKDATE
        specs = list(hierarchy)
        for spec in specs:
            state.authorities[spec.label] = authority_record(spec)
        planned = [authority_certificate(state, spec, epoch, now, new_serial(),
                                         self._software_key(spec.label, spec.key_type))
                   for spec in specs]
        for spec in specs:
            roles = [*([CertificateRole.OCSP_RESPONDER] if spec.issues_subscribers else []),
                     *([CertificateRole.TSA] if spec.runs_tsa else [])]
            planned += [self._service_plan(state, spec, role, epoch, now, service_key)
                        for role in roles]
        # one description of the whole hierarchy for certomancer, not one per certificate
        self._sign(state, self.certomancer_bridge(state), *planned)
        state.revision = 1
        with self.store.locked():
            self.store.save(state)
        return state

    def _software_key(self, key_label: str, key_type: KeyType) -> str:
        # from the process's key pool: distinct labels, distinct keys (a re-issue or a TSA's
        # renewal gets a new label, hence a new key); token keys never come here
        key, pem_bytes = role_key(key_label, key_type)
        write_private_key(key, key_path(self.directory, key_label, public_only=False), pem_bytes)
        return describe_public_key(public_key_der_of(key))

    def _sign(self, state: WorldState, bridge: CertomancerBridge, *planned: Planned) -> None:
        """Have certomancer sign the ``planned`` certificates (issuers first) from one
        description and enter them in ``state``."""
        known = self.known_to_certomancer(state)
        for item in planned:
            state.certificates[item.record.label] = item.record
        requests = [
            IssuedCertificate(
                replace(request_of(item.record, state, item.extensions, item.profiles),
                        digest=item.digest),
                public_key_only=item.record.key_source is KeySource.TOKEN)
            for item in planned]
        try:
            bridge.sign(known, *requests)
        except BaseException:
            for item in planned:
                state.certificates.pop(item.record.label, None)
            raise

    def _service_plan(self, state: WorldState, spec: AuthoritySpec, role: CertificateRole,
                      epoch: datetime, now: datetime, key_type: KeyType) -> Planned:
        key_description = self._software_key(service_label(state, spec, role), key_type)
        return service_certificate(state, spec, role, epoch, now, new_serial(), key_description)

    def _issue_service_certificate(self, state: WorldState, bridge: CertomancerBridge,
                                   spec: AuthoritySpec, role: CertificateRole,
                                   epoch: datetime, now: datetime,
                                   key_type: KeyType = KeyType.RSA2048) -> None:
        """Certify an authority's OCSP responder or TSA alone (a TSA's renewal)."""
        self._sign(state, bridge, self._service_plan(state, spec, role, epoch, now, key_type))

    # ---- subscribers ----------------------------------------------------------------------------
    def issue(
        self,
        subscriber_id: str,
        *,
        name: VietnameseName | None = None,
        profile: ProfileKind = ProfileKind.PERSONAL,
        branch: Branch = Branch.CONG_VU,
        issuer: str | None = None,
        key_type: KeyType = KeyType.RSA2048,
        public_key_der: bytes | None = None,
        not_before: datetime | None = None,
        validity: timedelta | None = None,
        rule_breaks: Iterable[RuleBreak] = (),
    ) -> CertificateRecord:
        """Issue a certificate to a (new or existing) subscriber.

        The key is generated here as a software key unless ``public_key_der`` is given, in which
        case only that public key is certified (a token's: the private key never leaves it).
        """
        check_subscriber_id(subscriber_id)
        breaks = frozenset(rule_breaks)

        def change(state: WorldState) -> CertificateRecord:
            existing = state.subscribers.get(subscriber_id)
            if existing is None:
                if name is None:
                    raise refusals.new_subscriber_needs_a_name(subscriber_id)
                issuing = issuer or issuing_ca(state, branch)
                authority = state.authority(issuing)
                if not authority.issues_subscribers:
                    raise refusals.issuer_is_a_root(issuing, issuing_cas(state))
                subscriber = Subscriber(
                    id=subscriber_id, name=name.marked().normalised(), profile=profile,
                    branch=authority.branch, issuer=issuing)
                state.subscribers[subscriber_id] = subscriber
            else:
                subscriber = existing
            return self._issue_for(state, subscriber, key_type=key_type,
                                   public_key_der=public_key_der, not_before=not_before,
                                   validity=validity, breaks=breaks, replaces=None,
                                   renewal=False)

        return self.transaction(change)  # type: ignore[no-any-return]

    def _issue_for(self, state: WorldState, subscriber: Subscriber, *, key_type: KeyType,
                   public_key_der: bytes | None, not_before: datetime | None,
                   validity: timedelta | None, breaks: frozenset[RuleBreak],
                   replaces: str | None, renewal: bool, reuse_key: str | None = None,
                   ) -> CertificateRecord:
        now = state.clock.clock().now()
        start = not_before or now
        longest = add_years(start, max_validity_years(subscriber.branch, renewal=renewal))
        end = start + validity if validity is not None else longest
        if end <= start:
            raise InvalidInputError(say("validity: thời hạn phải lớn hơn 0",
                                        "validity: must be positive"))
        if end > longest and RuleBreak.OVERLONG_VALIDITY not in breaks:
            raise refusals.validity_too_long(end, subscriber.branch.value, longest)
        issuer = state.authority(subscriber.issuer)
        issuer_record = state.certificates[issuer.certificate]
        if end > issuer_record.not_after:
            raise refusals.validity_beyond_issuer(issuer_record.not_after)
        label = f"{subscriber.id}-{len(subscriber.certificates) + 1}"
        if reuse_key is not None:
            key_label = reuse_key
            source = state.certificates[subscriber.current_certificate or ""].key_source
            key_description = state.certificates[subscriber.current_certificate or ""].key_type
        elif public_key_der is not None:
            key_label = label
            try:
                key_description = describe_public_key(public_key_der)
                write_public_key(public_key_der, key_path(self.directory, key_label,
                                                          public_only=True))
            except ValueError:
                raise InvalidInputError(say(
                    "public key: khóa công khai không phải SubjectPublicKeyInfo dạng DER",
                    "public key: not a DER SubjectPublicKeyInfo")) from None
            source = KeySource.TOKEN
        else:
            key_label = label
            key_description = self._software_key(key_label, key_type)
            source = KeySource.SOFTWARE
        record = CertificateRecord(
            label=label, serial=new_serial(), role=CertificateRole.SUBSCRIBER,
            issuer=issuer.label, holder=subscriber.id, branch=subscriber.branch,
            subject_name=subscriber.name, key_label=key_label, profile=subscriber.profile,
            rule_breaks=sorted(breaks), not_before=start, not_after=end, key_source=source,
            key_type=key_description, replaces=replaces, issued_at=now,
        )
        extensions = subscriber_extensions(subscriber.profile, subscriber.branch, issuer.label,
                                           breaks)
        self._sign(state, self.certomancer_bridge(state),
                   Planned(record, extensions, digest=signature_digest(breaks)))
        subscriber.certificates.append(label)
        return record

    def renew(self, reference: str, *, validity: timedelta | None = None) -> CertificateRecord:
        """Gia hạn: a new certificate for the same key and name (ND68 Art. 9.3: ≤ 3 years)."""

        def change(state: WorldState) -> CertificateRecord:
            old = _current_subscriber_certificate(state, reference)
            if old.revocation is not None:
                raise refusals.revoked_cannot_be_renewed(old.label)
            subscriber = state.subscriber(old.holder)
            return self._issue_for(state, subscriber, key_type=KeyType.RSA2048,
                                   public_key_der=None, not_before=None, validity=validity,
                                   breaks=frozenset(old.rule_breaks), replaces=old.label,
                                   renewal=True, reuse_key=old.key_label)

        return self.transaction(change)  # type: ignore[no-any-return]

    def change_info(self, reference: str, *, name: VietnameseName,
                    reason: RevocationReason | None = None) -> CertificateRecord:
        """Thay đổi nội dung thông tin: a new certificate with the new name, same key; the old
        one is revoked (affiliationChanged when the agency changed, else superseded)."""

        def change(state: WorldState) -> CertificateRecord:
            old = _current_subscriber_certificate(state, reference)
            if old.revocation is not None:
                raise InvalidStateError(say(f"chứng thư chữ ký số '{old.label}' đã bị thu hồi rồi",
                                            f"certificate '{old.label}' is already revoked"))
            subscriber = state.subscriber(old.holder)
            new_name = name.marked().normalised()
            if new_name == subscriber.name:
                raise InvalidInputError(say("name: tên không thay đổi gì",
                                            "name: nothing changed"))
            now = state.clock.clock().now()
            agency_changed = (new_name.organization != subscriber.name.organization
                              or new_name.organizational_unit
                              != subscriber.name.organizational_unit)
            subscriber.name = new_name
            record = self._issue_for(state, subscriber, key_type=KeyType.RSA2048,
                                     public_key_der=None, not_before=None, validity=None,
                                     breaks=frozenset(old.rule_breaks), replaces=old.label,
                                     renewal=False, reuse_key=old.key_label)
            old.revocation = Revocation(
                reason=reason or (RevocationReason.AFFILIATION_CHANGED if agency_changed
                                  else RevocationReason.SUPERSEDED),
                revoked_at=now)
            return record

        return self.transaction(change)  # type: ignore[no-any-return]

    def reissue(self, reference: str, *, key_type: KeyType = KeyType.RSA2048,
                public_key_der: bytes | None = None) -> CertificateRecord:
        """Cấp mới sau thu hồi: a new key and certificate after the old one was revoked."""

        def change(state: WorldState) -> CertificateRecord:
            old = _current_subscriber_certificate(state, reference)
            if old.revocation is None:
                raise refusals.not_revoked_yet(old.label)
            subscriber = state.subscriber(old.holder)
            return self._issue_for(state, subscriber, key_type=key_type,
                                   public_key_der=public_key_der, not_before=None,
                                   validity=None, breaks=frozenset(old.rule_breaks),
                                   replaces=old.label, renewal=False)

        return self.transaction(change)  # type: ignore[no-any-return]

    def revoke(self, reference: str, *, reason: RevocationReason = RevocationReason.UNSPECIFIED,
               at: datetime | None = None,
               invalidity_date: datetime | None = None) -> CertificateRecord:
        """Revoke a certificate (subscriber or authority) with a reason, at ``at`` (or now)."""

        def change(state: WorldState) -> CertificateRecord:
            record = state.certificate(reference)
            if record.revocation is not None:
                raise refusals.already_revoked(record, record.revocation)
            if record.role is CertificateRole.AUTHORITY and record.issuer == record.label:
                raise refusals.root_cannot_be_revoked(record.label)
            now = state.clock.clock().now()
            revoked_at = at or now
            if invalidity_date is not None and invalidity_date > revoked_at:
                raise refusals.invalidity_after_revocation()
            record.revocation = Revocation(reason=reason, revoked_at=revoked_at,
                                           invalidity_date=invalidity_date)
            return record

        return self.transaction(change)  # type: ignore[no-any-return]

    def compromise_authority(self, authority: str, *, at: datetime | None = None
                             ) -> CertificateRecord:
        """CA compromise: revoke an issuing authority's certificate with reason cACompromise."""
        return self.revoke(authority, reason=RevocationReason.CA_COMPROMISE, at=at)

    def publish_crl(self, authority: str) -> datetime:
        """Issue an out-of-cycle CRL for ``authority`` now (real CAs do so after revocations)."""

        def change(state: WorldState) -> datetime:
            state.authority(authority)
            now = state.clock.clock().now()
            state.crl_publications.setdefault(authority, []).append(now)
            return now

        return self.transaction(change)  # type: ignore[no-any-return]

    def set_clock(self, clock: Clock) -> Clock:
        def change(state: WorldState) -> Clock:
            state.clock = ClockState.of(clock)
            return clock

        return self.transaction(change)  # type: ignore[no-any-return]

    def certificate_der(self, label: str) -> bytes:
        """A certificate's DER: its file, or the registry's row (certificates issued in bulk)."""
        try:
            return certificate_path(self.directory, label).read_bytes()
        except FileNotFoundError:
            der = self.store.database.certificate_der(label)
            if der is None:
                raise
            return der


def _current_subscriber_certificate(state: WorldState, reference: str) -> CertificateRecord:
    record = state.certificate(reference)
    if record.role is not CertificateRole.SUBSCRIBER:
        raise InvalidInputError(say(f"'{reference}' không phải chứng thư chữ ký số của thuê bao",
                                    f"'{reference}' is not a subscriber certificate"))
    return record
