"""Every defective variant by defect name, split by role: what ``kyso mutants`` asks."""

from __future__ import annotations

from .catalogue import Defect
from .signers import DefectiveSigner
from .verifiers import DefectiveVerifier


def mutants() -> tuple[dict[str, DefectiveSigner], dict[str, DefectiveVerifier]]:
    """Every defective variant, by defect name, split by role."""
    return ({d.value: DefectiveSigner(d) for d in Defect if d.role == "signer"},
            {d.value: DefectiveVerifier(d) for d in Defect if d.role == "verifier"})
