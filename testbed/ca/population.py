"""Bulk issuance: a CA with a realistic population (``kyso ca populate --subscribers 100000``).

The real công vụ CA has issued certificates in the hundreds of thousands; a testbed that wants to
look like it cannot issue them one by one through certomancer (a description of the whole PKI per
certificate). Here certomancer signs one *template* certificate with the profile's extensions
(the same :func:`~testbed.ca.profiles.subscriber_extensions` the normal issue path uses), and
pyca/cryptography's ``CertificateBuilder`` signs every subscriber certificate with the CA's key,
copying the template's extensions (the subject key identifier is computed per key, as certomancer
does: SHA-1 of the subjectPublicKey). Subject names are built by asn1crypto, as certomancer builds
them, so their bytes match a normally issued certificate's.

Names are deterministic (a seeded generator: the same seed gives the same people), keys are fresh
P-256 keys (an RSA key costs 50–800 ms to generate) whose private halves are dropped
(:attr:`~testbed.world.KeySource.DISCARDED`), and the certificates' DER stay in the registry's
rows rather than 100,000 files. Everything is one database transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type

from bilingual import say

from ..errors import InvalidInputError
from ..registry_db import CertificateRow
from ..registry_store import certificate_row
from ..world import (
    CertificateRecord,
    CertificateRole,
    KeySource,
    Revocation,
    Subscriber,
    WorldState,
)
from . import refusals
from .branches import Branch
from .certomancer_bridge import CertificateRequest, IssuedCertificate, key_path
from .keys import describe_public_key, public_key_der_of
from .lifecycle import Lifecycle, _issuing_ca, _issuing_cas, new_serial
from .names import VietnameseName
from .profiles import ProfileKind, add_years, max_validity_years, subscriber_extensions
from .revocation_reasons import RevocationReason

POPULATION_PREFIX = "dan-"
"""Subscriber ids of a population: ``dan-000001`` (dân: the people), numbered on."""
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
           "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
_MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Hoài")
_GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khánh",
          "Lan", "Linh", "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang",
          "Tuấn", "Vy", "Yến")
_PROVINCES = ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Huế", "Nghệ An",
              "Quảng Ninh", "Thanh Hóa", "Lâm Đồng")
_REASONS = (RevocationReason.KEY_COMPROMISE, RevocationReason.SUPERSEDED,
            RevocationReason.AFFILIATION_CHANGED, RevocationReason.CESSATION_OF_OPERATION,
            RevocationReason.UNSPECIFIED)
_STRING_TYPES = {asn1_x509.UTF8String: _ASN1Type.UTF8String,
                 asn1_x509.PrintableString: _ASN1Type.PrintableString,
                 core.IA5String: _ASN1Type.IA5String}


@dataclass(frozen=True)
class Population:
    """What ``populate`` did: the issuer, the subscriber ids issued, how many revoked."""

    issuer: str
    first: str
    last: str
    subscribers: int
    revoked: int
    seconds: float


def person(rng: random.Random, number: int) -> VietnameseName:
    """A made-up public servant: a Vietnamese name, an agency and a citizen-ID-like UID."""
    province = rng.choice(_PROVINCES)
    return VietnameseName(
        common_name=f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}",
        organization=f"UBND {province}", locality=province,
        identifier=f"CCCD:{number:012d}").marked().normalised()


def pyca_name(name: VietnameseName) -> x509.Name:
    """The subject as certomancer writes it (asn1crypto's ``Name.build``), for pyca's builder."""
    built = asn1_x509.Name.build(name.certomancer_entity())
    rdns = []
    for rdn in built.chosen:
        attributes = []
        for pair in rdn:
            value = pair["value"]
            inner = value.chosen if isinstance(value, core.Choice) else value
            attributes.append(x509.NameAttribute(
                x509.ObjectIdentifier(pair["type"].dotted), inner.native,
                _type=_STRING_TYPES[type(inner)]))
        rdns.append(x509.RelativeDistinguishedName(attributes))
    return x509.Name(rdns)


def _template(lifecycle: Lifecycle, state: WorldState, issuer: str, profile: ProfileKind,
              branch: Branch) -> x509.Certificate:
    """A certificate certomancer signs with the profile's extensions (issued to the CA's own
    key, never stored): what every bulk certificate copies."""
    authority = state.authorities[issuer]
    issuer_key = state.certificates[authority.certificate].key_label
    now = state.clock.clock().now()
    request = CertificateRequest(
        label="population-template", subject_name=authority.name, key_label=issuer_key,
        issuer=issuer, issuer_certificate=authority.certificate, issuer_key_label=issuer_key,
        serial=1, not_before=now, not_after=now,
        extensions=subscriber_extensions(profile, branch, issuer, frozenset()))
    bridge = lifecycle.certomancer_bridge(state)
    der = bridge.signed(lifecycle.known_to_certomancer(state), IssuedCertificate(request, False))
    return x509.load_der_x509_certificate(der)


@dataclass(frozen=True)
class _Batch:
    """What one populate call issues: the issuer, the instant, the template, the CA key."""

    issuer: str
    issuer_name: x509.Name
    branch: Branch
    profile: ProfileKind
    now: datetime
    not_after: datetime
    template: x509.Certificate
    ca_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _certificate(batch: _Batch, name: VietnameseName, serial: int,
                 public_key: ec.EllipticCurvePublicKey) -> bytes:
    builder = (x509.CertificateBuilder().subject_name(pyca_name(name))
               .issuer_name(batch.issuer_name).public_key(public_key).serial_number(serial)
               .not_valid_before(batch.now).not_valid_after(batch.not_after))
    for extension in batch.template.extensions:
        value = extension.value
        if isinstance(value, x509.SubjectKeyIdentifier):
            value = x509.SubjectKeyIdentifier.from_public_key(public_key)
        builder = builder.add_extension(value, extension.critical)
    signed = builder.sign(batch.ca_key, hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.DER)


def _people(batch: _Batch, rng: random.Random, first: int, count: int, revoked: set[int],
            subscribers: list[tuple[str, str]]) -> Iterator[CertificateRow]:
    """Each person's certificate row (their subscriber row goes to ``subscribers``)."""
    key_description = ""
    for index in range(count):
        number = first + index
        subscriber_id = f"{POPULATION_PREFIX}{number:06d}"
        label = f"{subscriber_id}-1"
        name = person(rng, number)
        key = ec.generate_private_key(ec.SECP256R1())
        key_description = key_description or describe_public_key(public_key_der_of(key))
        serial = new_serial()
        der = _certificate(batch, name, serial, key.public_key())
        revocation = Revocation(reason=rng.choice(_REASONS), revoked_at=batch.now) \
            if index in revoked else None
        record = CertificateRecord(
            label=label, serial=serial, role=CertificateRole.SUBSCRIBER, issuer=batch.issuer,
            holder=subscriber_id, branch=batch.branch, subject_name=name, key_label=label,
            profile=batch.profile, not_before=batch.now, not_after=batch.not_after,
            key_source=KeySource.DISCARDED, key_type=key_description, revocation=revocation,
            issued_at=batch.now)
        subscribers.append((subscriber_id, Subscriber(
            id=subscriber_id, name=name, profile=batch.profile, branch=batch.branch,
            issuer=batch.issuer, certificates=[label]).model_dump_json()))
        yield certificate_row(record, record.model_dump_json(), der)


def populate(lifecycle: Lifecycle, subscribers: int, revoked_percent: float, *,
             seed: int = 20, issuer: str | None = None,
             profile: ProfileKind = ProfileKind.PERSONAL,
             branch: Branch = Branch.CONG_VU) -> Population:
    """Issue ``subscribers`` certificates in one transaction and revoke ``revoked_percent`` of
    them (chosen by the seeded generator), as of the testbed clock."""
    if subscribers < 1 or not 0 <= revoked_percent <= 100:
        raise InvalidInputError(say(
            "populate: cần ít nhất 1 thuê bao và tỷ lệ thu hồi từ 0 đến 100%",
            "populate: needs at least 1 subscriber and a revoked share from 0 to 100%"))
    started = time.perf_counter()
    store = lifecycle.store
    with store.locked():
        state = store.load()
        issuing = issuer or _issuing_ca(state, branch)
        authority = state.authority(issuing)
        if not authority.issues_subscribers:
            raise refusals.issuer_is_a_root(issuing, _issuing_cas(state))
        issuer_record = state.certificates[authority.certificate]
        now = state.clock.clock().now().replace(microsecond=0)
        not_after = add_years(now, max_validity_years(authority.branch, renewal=False))
        if not_after > issuer_record.not_after:
            raise refusals.validity_beyond_issuer(issuer_record.not_after)
        template = _template(lifecycle, state, issuing, profile, authority.branch)
        key_file = key_path(lifecycle.directory, issuer_record.key_label, public_only=False)
        ca_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None,
                                                    unsafe_skip_rsa_key_validation=True)
        assert isinstance(ca_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        batch = _Batch(issuing, template.issuer, authority.branch, profile, now, not_after,
                       template, ca_key)
        first = store.database.subscriber_ids_like(POPULATION_PREFIX) + 1
        rng = random.Random(f"{seed}:{first}")  # noqa: S311 (made-up names, not secrets)
        revoked = set(rng.sample(range(subscribers), round(subscribers * revoked_percent / 100)))
        people: list[tuple[str, str]] = []
        state.revision += 1
        store.database.write(
            core=state.model_dump_json(exclude={"certificates", "subscribers"}),
            revision=state.revision, revocations_changed=bool(revoked),
            certificates=_people(batch, rng, first, subscribers, revoked, people),
            subscribers=people)
        store.refresh_export()
    return Population(issuing, f"{POPULATION_PREFIX}{first:06d}",
                      f"{POPULATION_PREFIX}{first + subscribers - 1:06d}", subscribers,
                      len(revoked), time.perf_counter() - started)
