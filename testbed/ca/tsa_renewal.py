"""A successor certificate for a timestamp authority: a new key, a new certificate, and the TSA
service signing with them from that instant on.

A TSA certificate expires (the testbed's live ten years); an archive system keeps a document
alive across that expiry by renewing its archive timestamp *before* it, with a timestamp made
under the successor certificate (EN 319 142-1 B-LTA; ``kyso extend --renew``). The testbed
therefore lets a TSA's certificate be renewed the way a real TSA rolls its key: the authority
issues a certificate to a new key, valid from now for ten years, under the next label
(``ca-cv-tsa-2``, ``-3``, ...); the old certificate stays in the registry (documents name it)
and simply stops being used. The TSA's URL does not change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bilingual import say

from ..errors import InvalidInputError
from ..world import CertificateRecord, CertificateRole, WorldState
from .hierarchy import DEFAULT_HIERARCHY, tsa_label
from .key_types import KeyType

if TYPE_CHECKING:
    from .lifecycle import Lifecycle


def renew_timestamp_authority(lifecycle: Lifecycle, authority: str) -> CertificateRecord:
    """Give ``authority``'s TSA a new key and certificate (valid from the testbed's now); the
    record of the new certificate."""

    def change(state: WorldState) -> CertificateRecord:
        record = state.authority(authority)
        if record.tsa is None:
            raise InvalidInputError(say(
                f"authority: '{authority}' không có dịch vụ cấp dấu thời gian",
                f"authority: '{authority}' runs no timestamp authority"))
        spec = next((spec for spec in DEFAULT_HIERARCHY if spec.label == authority), None)
        if spec is None:
            raise InvalidInputError(say(
                f"authority: '{authority}' không thuộc cây CA của testbed",
                f"authority: '{authority}' is not in the testbed hierarchy"))
        # the successor's key has the algorithm of the key it replaces (kyso up --service-key)
        key_type = KeyType(state.certificates[record.tsa].key_type)
        record.tsa = _successor_label(state, authority)
        now = state.clock.clock().now()
        # the same issuance as at creation, for the new label, from now on
        lifecycle._issue_service_certificate(  # noqa: SLF001 (the CA's own operation)
            state, lifecycle.certomancer_bridge(state), spec, CertificateRole.TSA,
            now, now, key_type)
        return state.certificates[record.tsa]

    return lifecycle.transaction(change)  # type: ignore[no-any-return]


def _successor_label(state: WorldState, authority: str) -> str:
    base = tsa_label(authority)
    number = 2
    while f"{base}-{number}" in state.certificates:
        number += 1
    return f"{base}-{number}"
