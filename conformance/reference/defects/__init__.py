"""Deliberately defective variants of the reference tools ("mutants"), one broken rule each.

A conformance check is only trustworthy if a correct tool passes it and a defective one fails
it. Each :class:`Defect` names one rule a real product is known to break; the variants live here,
outside the reference code path, and work by wrapping the reference tools: a verifier variant
re-reads the oracle's findings the way a careless program would (or validates with a careless
input, e.g. at the signer's claimed time, or trusting any embedded root); a signer variant skips
a step, changes a parameter, or damages its output afterwards. `kyso mutants` plays the catalogue
once and asks every variant at every checkpoint of its role: the table shows which checkpoint
catches which defect.

:mod:`.catalogue` names the defects, :mod:`.verifiers` and :mod:`.signers` are the variants,
:func:`mutants` hands out all of them.
"""

from .catalogue import Defect, parse_defect
from .signers import LOCAL_APPEARANCE_TEXT, DefectiveSigner
from .variants import mutants
from .verifiers import DefectiveVerifier

__all__ = [
    "LOCAL_APPEARANCE_TEXT",
    "Defect",
    "DefectiveSigner",
    "DefectiveVerifier",
    "mutants",
    "parse_defect",
]
