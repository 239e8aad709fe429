"""Bulk issuance: a CA with a realistic population (``kyso ca populate --subscribers 100000``).

The real công vụ CA has issued certificates in the hundreds of thousands; a testbed that wants to
look like it cannot issue them one by one through certomancer (a description of the whole PKI per
certificate). Here certomancer signs one *template* certificate with the profile's extensions
(the same :func:`~testbed.ca.profiles.subscriber_extensions` the normal issue path uses), and
pyca/cryptography's ``CertificateBuilder`` signs every subscriber certificate with the CA's key,
copying the template's extensions (:mod:`testbed.ca.population_signing`, in worker processes).

Names are deterministic (a seeded generator: the same seed gives the same people), keys are fresh
P-256 keys (an RSA key costs 50–800 ms to generate) whose private halves are dropped
(:attr:`~testbed.world.KeySource.DISCARDED`), and the certificates' DER stay in the registry's
rows rather than 100,000 files. Everything is one database transaction.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from bilingual import say

from ..errors import InvalidInputError
from ..registry_db import CertificateRow
from ..world import WorldState
from . import refusals
from .branches import Branch
from .certomancer_bridge import CertificateRequest, IssuedCertificate, key_path
from .issuers import issuing_ca, issuing_cas
from .lifecycle import Lifecycle
from .population_signing import POPULATION_PREFIX, BatchSpec, SignedRows, signed_chunks
from .profiles import ProfileKind, add_years, max_validity_years, subscriber_extensions
from .revocation_reasons import RevocationReason

_REASONS = (RevocationReason.KEY_COMPROMISE, RevocationReason.SUPERSEDED,
            RevocationReason.AFFILIATION_CHANGED, RevocationReason.CESSATION_OF_OPERATION,
            RevocationReason.UNSPECIFIED)


@dataclass(frozen=True)
class Population:
    """What ``populate`` did: the issuer, the subscriber ids issued, how many revoked."""

    issuer: str
    first: str
    last: str
    subscribers: int
    revoked: int
    seconds: float


def _template(lifecycle: Lifecycle, state: WorldState, issuer: str, profile: ProfileKind,
              branch: Branch) -> bytes:
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
    return bridge.signed(lifecycle.known_to_certomancer(state), IssuedCertificate(request, False))


def _rows(signed: Iterator[SignedRows], subscribers: list[tuple[str, str]]
          ) -> Iterator[CertificateRow]:
    """The certificate rows of the signed chunks (their subscriber rows go to ``subscribers``:
    the database writes them after the certificates, in the same transaction)."""
    for chunk in signed:
        for certificate, subscriber in chunk:
            subscribers.append(subscriber)
            yield certificate


def populate(lifecycle: Lifecycle, subscribers: int, revoked_percent: float, *,
             seed: int = 20, issuer: str | None = None,
             profile: ProfileKind = ProfileKind.PERSONAL, branch: Branch = Branch.CONG_VU,
             workers: int | None = None) -> Population:
    """Issue ``subscribers`` certificates in one transaction and revoke ``revoked_percent`` of
    them (chosen by the seeded generator), as of the testbed clock. ``workers``: signing
    processes (default: one per CPU when there is more than one chunk)."""
    if subscribers < 1 or not 0 <= revoked_percent <= 100:
        raise InvalidInputError(say(
            "populate: cần ít nhất 1 thuê bao và tỷ lệ thu hồi từ 0 đến 100%",
            "populate: needs at least 1 subscriber and a revoked share from 0 to 100%"))
    started = time.perf_counter()
    store = lifecycle.store
    with store.locked():
        state = store.load()
        issuing = issuer or issuing_ca(state, branch)
        authority = state.authority(issuing)
        if not authority.issues_subscribers:
            raise refusals.issuer_is_a_root(issuing, issuing_cas(state))
        issuer_record = state.certificates[authority.certificate]
        now = state.clock.clock().now().replace(microsecond=0)
        not_after = add_years(now, max_validity_years(authority.branch, renewal=False))
        if not_after > issuer_record.not_after:
            raise refusals.validity_beyond_issuer(issuer_record.not_after)
        template = _template(lifecycle, state, issuing, profile, authority.branch)
        key_file = key_path(lifecycle.directory, issuer_record.key_label, public_only=False)
        first = store.database.subscriber_ids_like(POPULATION_PREFIX) + 1
        revoked = _revoked(seed, first, subscribers, revoked_percent)
        spec = BatchSpec(template, key_file.read_bytes(), issuing, authority.branch, profile,
                         now, not_after, revoked, f"{seed}")
        people: list[tuple[str, str]] = []
        state.revision += 1
        signed = signed_chunks(spec, first, subscribers, os.cpu_count() or 1
                               if workers is None else workers)
        store.database.write(
            core=state.model_dump_json(exclude={"certificates", "subscribers"}),
            revision=state.revision, revocations_changed=bool(revoked),
            certificates=_rows(signed, people), subscribers=people)
        store.refresh_export()
    return Population(issuing, f"{POPULATION_PREFIX}{first:06d}",
                      f"{POPULATION_PREFIX}{first + subscribers - 1:06d}", subscribers,
                      len(revoked), time.perf_counter() - started)


def _revoked(seed: int, first: int, count: int, percent: float) -> dict[int, RevocationReason]:
    """Which numbers are revoked, and why: a seeded choice of ``percent`` of them."""
    rng = random.Random(f"{seed}:{first}:revoked")  # noqa: S311 (a made-up population)
    chosen = sorted(rng.sample(range(first, first + count), round(count * percent / 100)))
    return {number: rng.choice(_REASONS) for number in chosen}
