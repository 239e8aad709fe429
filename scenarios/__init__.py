"""Stories as data, played on a testbed over time: the public API.

What other packages may import from :mod:`scenarios` is listed here (``__all__``); a name is
loaded on first use (:func:`__getattr__`), so a light import stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checkpoints import REQUIREMENT_ID as REQUIREMENT_ID
    from .findings import Check as Check
    from .format_rules import FORMAT_REQUIREMENTS as FORMAT_REQUIREMENTS
    from .format_rules import PDF_ONLY_REQUIREMENTS as PDF_ONLY_REQUIREMENTS
    from .formats import find_variant as find_variant
    from .formats import format_variants as format_variants
    from .formats import played_format as played_format
    from .formats import split_variant_id as split_variant_id
    from .formats import variant as variant
    from .judge import Judgement as Judgement
    from .loader import catalogue_paths as catalogue_paths
    from .loader import find_scenario as find_scenario
    from .loader import load_scenario as load_scenario
    from .model import Scenario as Scenario
    from .model import Sign as Sign
    from .model import Verify as Verify
    from .model import resolve_instant as resolve_instant
    from .outcomes import CONTRACT_VERSION as CONTRACT_VERSION
    from .outcomes import DisplayField as DisplayField
    from .outcomes import Expectation as Expectation
    from .outcomes import Indication as Indication
    from .outcomes import MessageClass as MessageClass
    from .outcomes import SignatureAnswer as SignatureAnswer
    from .outcomes import SignerAnswer as SignerAnswer
    from .outcomes import SignerOutcome as SignerOutcome
    from .outcomes import SubIndication as SubIndication
    from .outcomes import VerifierAnswer as VerifierAnswer
    from .player import Player as Player
    from .roles import ONE_CHECKPOINT as ONE_CHECKPOINT
    from .roles import Archiver as Archiver
    from .roles import ExtendRequest as ExtendRequest
    from .roles import NoAnswer as NoAnswer
    from .roles import Signer as Signer
    from .roles import SignRequest as SignRequest
    from .roles import Verifier as Verifier
    from .roles import VerifyRequest as VerifyRequest
    from .roles import one_checkpoint as one_checkpoint
    from .scenario_run import ScenarioRun as ScenarioRun
    from .scenario_run import StepResult as StepResult
    from .scenario_run import format_run as format_run
    from .signature_formats import SignatureFormat as SignatureFormat
    from .vietnamese import DeclaredPhrases as DeclaredPhrases
    from .vietnamese import Integrity as Integrity
    from .vietnamese import vendor_phrases as vendor_phrases
    from .vietnamese import vietnamese_problem as vietnamese_problem

_PUBLIC = {
    "REQUIREMENT_ID": ".checkpoints",
    "Check": ".findings",
    "Judgement": ".judge",
    "FORMAT_REQUIREMENTS": ".format_rules",
    "PDF_ONLY_REQUIREMENTS": ".format_rules",
    "find_variant": ".formats",
    "format_variants": ".formats",
    "played_format": ".formats",
    "split_variant_id": ".formats",
    "variant": ".formats",
    "catalogue_paths": ".loader",
    "find_scenario": ".loader",
    "load_scenario": ".loader",
    "Scenario": ".model",
    "Sign": ".model",
    "Verify": ".model",
    "resolve_instant": ".model",
    "CONTRACT_VERSION": ".outcomes",
    "DisplayField": ".outcomes",
    "Expectation": ".outcomes",
    "Indication": ".outcomes",
    "MessageClass": ".outcomes",
    "SignatureAnswer": ".outcomes",
    "SignatureFormat": ".signature_formats",
    "SignerAnswer": ".outcomes",
    "SignerOutcome": ".outcomes",
    "SubIndication": ".outcomes",
    "VerifierAnswer": ".outcomes",
    "Player": ".player",
    "Archiver": ".roles",
    "ExtendRequest": ".roles",
    "NoAnswer": ".roles",
    "ONE_CHECKPOINT": ".roles",
    "one_checkpoint": ".roles",
    "SignRequest": ".roles",
    "Signer": ".roles",
    "Verifier": ".roles",
    "VerifyRequest": ".roles",
    "ScenarioRun": ".scenario_run",
    "StepResult": ".scenario_run",
    "format_run": ".scenario_run",
    "DeclaredPhrases": ".vietnamese",
    "Integrity": ".vietnamese",
    "vendor_phrases": ".vietnamese",
    "vietnamese_problem": ".vietnamese",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
