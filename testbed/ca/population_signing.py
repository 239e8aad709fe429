"""A population's certificates: made-up people, fresh keys, signed by pyca from a template.

Split from :mod:`testbed.ca.population` because this part runs in worker processes: signing is
the cost of a population (an RSA-2048 signature is about 0.3 ms), so 100,000 certificates are
signed in chunks of :data:`CHUNK` by ``os.cpu_count()`` processes. Each chunk's names come from a
generator seeded with (seed, first number), so the same seed gives the same people however many
processes sign them.

A certificate copies the template's extensions (certomancer signed the template with the
profile's extensions) except the subject key identifier, computed from its own key as certomancer
computes it (SHA-1 of the subjectPublicKey). Subject names are laid out as asn1crypto's
``Name.build`` (what certomancer calls) lays them out, so their bytes match a normally issued
certificate's.
"""

from __future__ import annotations

import functools
import multiprocessing
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type

from ..registry_db import CertificateRow
from ..registry_store import certificate_row
from ..world import CertificateRecord, CertificateRole, KeySource, Revocation, Subscriber
from .branches import Branch
from .keys import describe_public_key, public_key_der_of
from .lifecycle import new_serial
from .names import TEST_MARKER, VietnameseName
from .profiles import ProfileKind
from .revocation_reasons import RevocationReason

CHUNK = 1000
"""Certificates per unit of work (and per seeded name generator)."""
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

_STRING_TYPES = {asn1_x509.UTF8String: _ASN1Type.UTF8String,
                 asn1_x509.PrintableString: _ASN1Type.PrintableString,
                 core.IA5String: _ASN1Type.IA5String}


@dataclass(frozen=True)
class BatchSpec:
    """What a signing process needs, picklable: the template, the CA key, what every record
    shares, who is revoked (number → reason) and the seed."""

    template_der: bytes
    ca_key_pem: bytes
    issuer: str
    branch: Branch
    profile: ProfileKind
    not_before: datetime
    not_after: datetime
    revoked: dict[int, RevocationReason]
    seed: str


SignedRows = list[tuple[CertificateRow, tuple[str, str]]]
"""A chunk as a signing process returns it: each certificate's row and its subscriber's row
(strings and bytes: cheap to send back, nothing left to build in the writing process)."""


def person(rng: random.Random, number: int) -> VietnameseName:
    """A made-up public servant: a Vietnamese name, an agency and a citizen-ID-like UID; already
    marked TEST and in NFC, as ``VietnameseName.marked().normalised()`` would make it."""
    province = rng.choice(_PROVINCES)
    return VietnameseName(
        common_name=f"{TEST_MARKER} {rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} "
                    f"{rng.choice(_GIVEN)}",
        organization=f"{TEST_MARKER} UBND {province}", locality=province,
        identifier=f"CCCD:{number:012d}")


@functools.cache
def _name_layout() -> tuple[tuple[str, x509.ObjectIdentifier, _ASN1Type], ...]:
    """Each name attribute's order, OID and string type, as asn1crypto's ``Name.build`` (what
    certomancer calls) lays them out: read once from a name with every attribute."""
    sample = {key: "VN" if key == "country_name" else "x" for key in (
        "common_name", "title", "organization_name", "organizational_unit_name",
        "locality_name", "country_name", "user_id")}
    layout = []
    for rdn in asn1_x509.Name.build(sample).chosen:
        pair = rdn[0]
        value = pair["value"]
        inner = value.chosen if isinstance(value, core.Choice) else value
        layout.append((pair["type"].native, x509.ObjectIdentifier(pair["type"].dotted),
                       _STRING_TYPES[type(inner)]))
    return tuple(layout)


def pyca_name(name: VietnameseName) -> x509.Name:
    """The subject as certomancer writes it (asn1crypto's ``Name.build``), for pyca's builder
    (building it through asn1crypto took 1 ms a name, half of a bulk certificate's cost)."""
    entity = name.certomancer_entity()
    return x509.Name([x509.RelativeDistinguishedName([x509.NameAttribute(
        oid, entity[key], _type=kind)]) for key, oid, kind in _name_layout() if key in entity])


class _Signer:
    """Signs chunks of one batch (parses the template and the CA key once per process)."""

    def __init__(self, spec: BatchSpec) -> None:
        self.spec = spec
        template = x509.load_der_x509_certificate(spec.template_der)
        self.issuer_name = template.issuer
        self.extensions = list(template.extensions)
        key = serialization.load_pem_private_key(spec.ca_key_pem, password=None,
                                                 unsafe_skip_rsa_key_validation=True)
        assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        self.ca_key = key

    def certificate(self, name: VietnameseName, serial: int,
                    public_key: ec.EllipticCurvePublicKey) -> bytes:
        extensions = [x509.Extension(x509.SubjectKeyIdentifier.oid, extension.critical,
                                     x509.SubjectKeyIdentifier.from_public_key(public_key))
                      if isinstance(extension.value, x509.SubjectKeyIdentifier) else extension
                      for extension in self.extensions]
        builder = x509.CertificateBuilder(
            issuer_name=self.issuer_name, subject_name=pyca_name(name), public_key=public_key,
            serial_number=serial, not_valid_before=self.spec.not_before,
            not_valid_after=self.spec.not_after, extensions=extensions)
        signed = builder.sign(self.ca_key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.DER)

    def chunk(self, first: int, count: int) -> SignedRows:
        rng = random.Random(f"{self.spec.seed}:{first}")  # noqa: S311 (made-up names)
        rows: SignedRows = []
        key_type = ""
        for number in range(first, first + count):
            name = person(rng, number)
            key = ec.generate_private_key(ec.SECP256R1())
            key_type = key_type or describe_public_key(public_key_der_of(key))
            serial = new_serial()
            der = self.certificate(name, serial, key.public_key())
            rows.append(self.rows(number, name, serial, key_type, der))
        return rows

    def rows(self, number: int, name: VietnameseName, serial: int, key_type: str, der: bytes
             ) -> tuple[CertificateRow, tuple[str, str]]:
        spec = self.spec
        subscriber_id = f"{POPULATION_PREFIX}{number:06d}"
        label = f"{subscriber_id}-1"
        reason = spec.revoked.get(number)
        record = CertificateRecord(
            label=label, serial=serial, role=CertificateRole.SUBSCRIBER, issuer=spec.issuer,
            holder=subscriber_id, branch=spec.branch, subject_name=name, key_label=label,
            profile=spec.profile, not_before=spec.not_before, not_after=spec.not_after,
            key_source=KeySource.DISCARDED, key_type=key_type,
            revocation=None if reason is None else Revocation(
                reason=reason, revoked_at=spec.not_before),
            issued_at=spec.not_before)
        subscriber = Subscriber(id=subscriber_id, name=name, profile=spec.profile,
                                branch=spec.branch, issuer=spec.issuer, certificates=[label])
        return (certificate_row(record, record.model_dump_json(), der),
                (subscriber_id, subscriber.model_dump_json()))


_process_signer: _Signer | None = None


def _start_process(spec: BatchSpec) -> None:
    global _process_signer
    _process_signer = _Signer(spec)


def _sign_chunk(bounds: tuple[int, int]) -> SignedRows:
    assert _process_signer is not None
    return _process_signer.chunk(*bounds)


def signed_chunks(spec: BatchSpec, first: int, count: int, workers: int
                  ) -> Iterator[SignedRows]:
    """The certificates numbered ``first`` .. ``first + count - 1``, chunk by chunk, in order;
    signed by ``workers`` processes (forked: the CA key never goes through a pipe)."""
    bounds = [(start, min(CHUNK, first + count - start))
              for start in range(first, first + count, CHUNK)]
    if workers <= 1 or len(bounds) == 1:
        signer = _Signer(spec)
        for start, size in bounds:
            yield signer.chunk(start, size)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start_process, initargs=(spec,)) as pool:
        yield from pool.imap(_sign_chunk, bounds)
