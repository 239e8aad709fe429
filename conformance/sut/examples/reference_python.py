"""The ``python`` entry point of kyso's reference tools (``reference-python.toml``).

``create(defect="")`` returns one object with ``sign`` and ``verify``: the reference signer and
verifier, or, with ``defect`` naming one of :mod:`conformance.reference.defects`, the variant
with that defect in its role.
"""

from __future__ import annotations

from conformance.reference.roles import ReferenceSigner, ReferenceVerifier
from scenarios import Signer, SignerAnswer, SignRequest, Verifier, VerifierAnswer, VerifyRequest


class ReferenceSut:
    """A Signer and a Verifier in one object, as the python adapter expects."""

    def __init__(self, signer: Signer, verifier: Verifier) -> None:
        self.signer, self.verifier = signer, verifier

    def sign(self, request: SignRequest) -> SignerAnswer:
        return self.signer.sign(request)

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        return self.verifier.verify(request)


def create(defect: str = "") -> ReferenceSut:
    """The factory named by ``entry_point = "conformance.sut.examples.reference_python:create"``."""
    if not defect:
        return ReferenceSut(ReferenceSigner(), ReferenceVerifier())
    from conformance.reference.defects import Defect, DefectiveSigner, DefectiveVerifier

    chosen = Defect(defect)
    if chosen.role == "signer":
        return ReferenceSut(DefectiveSigner(chosen), ReferenceVerifier())
    return ReferenceSut(ReferenceSigner(), DefectiveVerifier(chosen))
