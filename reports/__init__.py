"""Results files and what a lab hands to a vendor (HTML, signed PDF, JUnit, diff): the public
API. What other packages may import is listed here (``__all__``); a name is loaded on first use
(:func:`__getattr__`), so the command line does not load pydantic to print its help.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .citations import citation as citation
    from .diff import diff_results as diff_results
    from .diff import render_diff_table as render_diff_table
    from .errors import ReportError as ReportError
    from .findings_words import findings_line as findings_line
    from .junit import render_junit as render_junit
    from .pdf import SIGNATURE_BOX as SIGNATURE_BOX
    from .reason_words import vietnamese_words as vietnamese_words
    from .render import render_all as render_all
    from .results import CaseResult as CaseResult
    from .results import Evidence as Evidence
    from .results import Figure as Figure
    from .results import Finding as Finding
    from .results import FindingCategory as FindingCategory
    from .results import Policy as Policy
    from .results import RequirementResult as RequirementResult
    from .results import Results as Results
    from .results import ResultsFileError as ResultsFileError
    from .results import RunMetadata as RunMetadata
    from .results import Severity as Severity
    from .results import ShardOrigin as ShardOrigin
    from .results import ShardPlan as ShardPlan
    from .results import SoftwareUnderTest as SoftwareUnderTest
    from .results import Summary as Summary
    from .results import Text as Text
    from .results import Verdict as Verdict
    from .results import load_results as load_results
    from .vocabulary import CONFIDENCE_WORDS as CONFIDENCE_WORDS
    from .vocabulary import SEVERITY_WORDS as SEVERITY_WORDS

_PUBLIC = {
    "citation": ".citations",
    "diff_results": ".diff",
    "render_diff_table": ".diff",
    "ReportError": ".errors",
    "findings_line": ".findings_words",
    "render_junit": ".junit",
    "SIGNATURE_BOX": ".pdf",
    "vietnamese_words": ".reason_words",
    "render_all": ".render",
    "CaseResult": ".results",
    "Evidence": ".results",
    "Figure": ".results",
    "Finding": ".results",
    "FindingCategory": ".results",
    "Policy": ".results",
    "RequirementResult": ".results",
    "Results": ".results",
    "ResultsFileError": ".results",
    "RunMetadata": ".results",
    "Severity": ".results",
    "ShardOrigin": ".results",
    "ShardPlan": ".results",
    "SoftwareUnderTest": ".results",
    "Summary": ".results",
    "Text": ".results",
    "Verdict": ".results",
    "load_results": ".results",
    "CONFIDENCE_WORDS": ".vocabulary",
    "SEVERITY_WORDS": ".vocabulary",
}
"""Each public name and the module that defines it."""

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
