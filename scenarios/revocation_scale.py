"""Revocation at realistic size: the ``revocation-history`` step, and the figures of a verify
checkpoint (how long the software took, how big the CRL it had to read was).

A verifier that chokes on a CRL of realistic size is a finding a lab must be able to make, but
a wall-clock bound would make a verdict depend on the machine (and on how busy it is). So the
time is a *figure*, recorded beside the case and shown in the report, never judged: the
verdict comes from the answer alone. The figures go in :attr:`StepResult.figures`.

Kept apart from :mod:`scenarios.player` (one concept per module): the player hands its
authority events and its verifier calls to the two functions here.
"""

from __future__ import annotations

import time
from pathlib import Path

from cryptography import x509

from testbed import Testbed, record_revocation_history

from .display import SignatureTruth
from .model import PublishCrl, RevocationHistory
from .outcomes import VerifierAnswer
from .roles import Verifier, VerifyRequest
from .scenario_run import Figure

AuthorityEvent = PublishCrl | RevocationHistory
"""What an authority does between checkpoints without a certificate of the story changing."""


def play_authority_event(testbed: Testbed, step: AuthorityEvent) -> str:
    """Publish a CRL, or record the authority's revocation history; a note for the timeline."""
    if isinstance(step, PublishCrl):
        testbed.publish_crl(step.authority)
        return ""
    recorded = record_revocation_history(testbed.lifecycle.store, step.authority,
                                         step.revoked, seed=step.seed)
    return (f" → {recorded.revoked:,} revocations {recorded.first:%Y-%m-%d}.."
            f"{recorded.last:%Y-%m-%d} ({recorded.seconds:.1f} s)")


def timed_verify(testbed: Testbed, verifier: Verifier, request: VerifyRequest,
                 truth: SignatureTruth | None, figures: list[Figure]) -> VerifierAnswer:
    """Ask ``verifier``; record how long it took and the size of the CRL of the signer's
    issuer saved beside the checkpoint (:mod:`scenarios.revocation_evidence`). A verifier
    that gives no answer raises :class:`~scenarios.roles.NoAnswer` and leaves the CRL figures
    only: the time of a non-answer is the adapter's timeout, not the software's."""
    if truth is not None and request.workdir is not None:
        issuer = testbed.state.certificates[truth.certificate].issuer
        figures.extend(crl_figures(request.workdir / f"{issuer}.crl", issuer))
    started = time.perf_counter()
    answer = verifier.verify(request)
    figures.insert(0, Figure("sut-seconds", round(time.perf_counter() - started, 3), "s"))
    return answer


def crl_figures(path: Path, authority: str) -> list[Figure]:
    """The CRL's entries and bytes (none when the service gave no CRL)."""
    if not path.is_file():
        return []
    der = path.read_bytes()
    try:
        entries = len(x509.load_der_x509_crl(der))
    except ValueError:  # a damaged CRL (a service mode that serves garbage): bytes only
        return [Figure("crl-bytes", len(der), "bytes", authority)]
    return [Figure("crl-entries", entries, "entries", authority),
            Figure("crl-bytes", len(der), "bytes", authority)]
