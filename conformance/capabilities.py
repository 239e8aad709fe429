"""Which declared capability governs which cases: one table, read by the runner for every case.

A profile's ``[capabilities]`` is the implementation conformance statement: what the software
says it can do. Each row of :data:`CAPABILITY_RULES` names one field of that table, the cases it
governs (by a property of the case: the level or visible signature a signing step asks for,
its checkpoint flags, whether it expects stored evidence or its own trust anchors) and, for a
given profile and case, why the profile lacks what the case needs. A case that needs a
capability the profile declares absent is not run: SKIPPED with that reason, unless it evidences
a mandatory requirement, which is never skipped (FAIL, the reason naming the capability and the
requirement). ``conformance/sut/CONTRACT.md`` shows the same table; a test walks every field of
:class:`~conformance.sut.profile.Capabilities` and fails when one has no row here.

The gate (:class:`CapabilityGate`) stands in front of the SUT's signer or verifier: it
recognises a case by where the player puts each checkpoint's work
(``<run>/work/step-<index>``, as :mod:`conformance.kit` does) and answers
:class:`~conformance.sut.contract.SutUnsupported` instead of asking the software.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bilingual import say
from reports import Severity, Verdict
from scenarios import FORMAT_REQUIREMENTS as SCENARIO_FORMAT_REQUIREMENTS
from scenarios import Signer, SignerAnswer, SignRequest, Verifier, VerifierAnswer, VerifyRequest

from .cases import IMPLICIT_REQUIREMENTS, Case
from .policy import Policy
from .requirements import Level, Requirement, catalogue
from .sut.contract import SutUnsupported
from .sut.profile import Capabilities


@dataclass(frozen=True)
class CapabilityRule:
    """One row: a capability, the cases it governs, and why a profile lacks it for a case."""

    capability: str
    """The field of ``[capabilities]`` (e.g. ``ocsp``)."""
    absent: str
    """How a profile declares it absent (CONTRACT.md's table)."""
    governs: str
    """The cases it governs, in words (CONTRACT.md's table)."""
    lacking: Callable[[Capabilities, Case], str | None]
    """``None`` when the profile can play the case, else what it declares (the reason)."""


def _levels(capabilities: Capabilities, case: Case) -> str | None:
    if case.level is None or case.level in capabilities.pades_levels:
        return None
    return f"capabilities.pades_levels = {capabilities.pades_levels} " + say(
        f"không có {case.level}", f"does not include {case.level}")


def _flag(capability: str, flag: str) -> Callable[[Capabilities, Case], str | None]:
    def lacking(capabilities: Capabilities, case: Case) -> str | None:
        if flag in case.flags and not getattr(capabilities, capability):
            return f"capabilities.{capability} = false"
        return None
    return lacking


def _when(capability: str, needed: Callable[[Case], bool]
          ) -> Callable[[Capabilities, Case], str | None]:
    def lacking(capabilities: Capabilities, case: Case) -> str | None:
        if needed(case) and not getattr(capabilities, capability):
            return f"capabilities.{capability} = false"
        return None
    return lacking


FORMAT_REQUIREMENTS: dict[str, str] = {
    "pades": "TT15-PL1-1.5",
    **{str(fmt): row for fmt, row in SCENARIO_FORMAT_REQUIREMENTS.items()}}
"""The TT15/2025 Annex I row behind each signature format: PAdES's row 1.5 and the rows every
case of another format traces to (:data:`scenarios.FORMAT_REQUIREMENTS`; XML-DSig is read
under row 1.6, the XML row, as what e-invoice software produces)."""
FORMAT_CAPABILITY = "capabilities.formats"
"""How a reason about an undeclared format begins (the profile's or the adapter's, which say
the same): :func:`unsupported_verdict` then weighs the format's requirement."""


def case_format(case: Case) -> str:
    """The case's signature format; ``pades`` for a case that does not carry one (every case
    written before scenarios named their formats)."""
    return str(getattr(case, "format", "pades"))


def _formats(capabilities: Capabilities, case: Case) -> str | None:
    wanted = case_format(case)
    if wanted in capabilities.formats:
        return None
    declared = [str(f) for f in capabilities.formats]
    return f"{FORMAT_CAPABILITY} = {declared} " + say(f"không có {wanted}",
                                                      f"does not include {wanted}")


def _tokens(capabilities: Capabilities, case: Case) -> str | None:
    if case.role == "signer" and "pkcs11" not in capabilities.token_types:
        return f"capabilities.token_types = {capabilities.token_types} " + say(
            "không có pkcs11 (khóa bí mật của testbed nằm trên token PKCS#11)",
            "does not include pkcs11 (the testbed's keys are on PKCS#11 tokens)")
    return None


CAPABILITY_RULES: tuple[CapabilityRule, ...] = (
    CapabilityRule("formats", "a format left out (the default: `[\"pades\"]`)", "cases in "
                   "that signature format (pades, xades, xmldsig, cades, cms; TT15-PL1-1.4 to "
                   "1.7): FAIL instead of SKIPPED when the format's requirement is mandatory",
                   _formats),
    CapabilityRule("pades_levels", "a level left out", "signer cases asking for that PAdES "
                   "baseline level (the sign step's `level`)", _levels),
    CapabilityRule("visible_signature", "`false` (the default)", "signer cases asking for a "
                   "visible signature (`visible: true`)",
                   _when("visible_signature", lambda case: case.visible)),
    CapabilityRule("token_types", "`[]`", "every signer case (the testbed's keys are on "
                   "PKCS#11 tokens)", _tokens),
    CapabilityRule("ocsp", "`false`", "cases flagged `crl-only`: the status must come from "
                   "OCSP, the CRL cannot give it", _flag("ocsp", "crl-only")),
    CapabilityRule("crl", "`false`", "cases flagged `ocsp-only`: OCSP gives no status, the "
                   "newest CRL must be used", _flag("crl", "ocsp-only")),
    CapabilityRule("offline", "`false` (the default)", "cases flagged `offline-validation`: "
                   "no service answers, the verdict must come from the validation data in the "
                   "document", _flag("offline", "offline-validation")),
    CapabilityRule("evidence_storage", "`false` (the default)", "cases expecting stored "
                   "evidence (`evidence: true`; TT15-5.4, TT15-6.2)",
                   _when("evidence_storage", lambda case: case.evidence)),
    CapabilityRule("trust_store_management", "`false` (the default)", "cases with their own "
                   "trust anchors (`trust:`, a root removed or another regime's only; TT15-5.5, "
                   "TT15-6.3)", _when("trust_store_management", lambda case: case.own_trust)),
)
"""Capability → governed cases. Every field of ``Capabilities`` has exactly one row."""


def unruled(model: type[Capabilities] = Capabilities) -> list[str]:
    """Fields of the capabilities model without exactly one row (a test keeps this empty: a
    capability nobody reads is a promise the runner does not keep)."""
    rows = [rule.capability for rule in CAPABILITY_RULES]
    return [name for name in model.model_fields if rows.count(name) != 1] + \
        [name for name in rows if name not in model.model_fields]


def markdown_table() -> str:
    """The table as CONTRACT.md shows it (a test keeps the two the same)."""
    lines = ["| Capability | Declared absent by | Governs |", "|---|---|---|"]
    lines += [f"| `{rule.capability}` | {rule.absent} | {rule.governs} |"
              for rule in CAPABILITY_RULES]
    return "\n".join(lines) + "\n"


def missing_capability(capabilities: Capabilities, case: Case) -> str | None:
    """Why the profile cannot play ``case`` ("declared unsupported in sut.toml: ..."), or
    ``None``: every capability the case needs is declared."""
    reasons = [reason for rule in CAPABILITY_RULES
               if (reason := rule.lacking(capabilities, case)) is not None]
    if not reasons:
        return None
    return say("sut.toml khai báo không hỗ trợ", "declared unsupported in sut.toml") + ": " \
        + "; ".join(reasons)


def mandatory_requirements(case: Case, known: Mapping[str, Requirement] | None = None
                           ) -> list[str]:
    """The case's own mandatory requirements (the implicit language check, made at every
    checkpoint of a role, does not make a case about an optional capability mandatory)."""
    known = catalogue() if known is None else known
    implicit = set(IMPLICIT_REQUIREMENTS.get(case.role, ()))
    return [r for r in case.requirements
            if r not in implicit and known[r].level is Level.MANDATORY]


def format_mandatory(case: Case, known: Mapping[str, Requirement] | None = None) -> str | None:
    """The requirement of the case's format when the catalogue makes it mandatory (a format
    row not in the catalogue counts as mandatory: TT15's transcript puts rows 1.4-1.7 in the
    mandatory block, and an unknown level must never be skipped silently)."""
    known = catalogue() if known is None else known
    requirement = FORMAT_REQUIREMENTS.get(case_format(case))
    if requirement is None:
        return None
    entry = known.get(requirement)
    return requirement if entry is None or entry.level is Level.MANDATORY else None


def unsupported_verdict(case: Case, reason: str,
                        known: Mapping[str, Requirement] | None = None) -> tuple[Verdict, str]:
    """(SKIPPED or FAIL, reason) for a case the profile or the SUT declares unsupported; for a
    format left out, the format's requirement alone decides (``known``: the catalogue)."""
    if FORMAT_CAPABILITY in reason:
        # a format left out puts the whole case out of scope: its clauses are evidenced in
        # that format, so only the format's own row decides whether that may be skipped
        row = format_mandatory(case, known)
        mandatory = [] if row is None else [row]
    else:
        mandatory = mandatory_requirements(case, known)
    if not mandatory:
        return Verdict.SKIPPED, reason
    named = ", ".join(mandatory)
    return Verdict.FAIL, f"{reason}; " + say(
        f"nhưng {named} là yêu cầu bắt buộc, và yêu cầu bắt buộc không bao giờ được bỏ qua",
        f"but {named} {'is' if len(mandatory) == 1 else 'are'} mandatory, and a mandatory "
        "requirement is never skipped")


def declined_severity(case: Case, reason: str, policy: Policy) -> Severity | None:
    """What a case FAILed for an undeclared format costs: the policy's rating of the format's
    Annex I row alone (the default policy warns: whether rows 1.4-1.7 are mandatory is TT15's
    open question 3), not of the case's other clauses, which were never asked. ``None`` for
    any other reason (the runner rates the case's requirements as for any failure)."""
    if FORMAT_CAPABILITY not in reason:
        return None
    row = FORMAT_REQUIREMENTS.get(case_format(case))
    return None if row is None else policy.case_severity([row])


def _step_of(workdir: object) -> int | None:
    name = getattr(workdir, "name", "")
    if isinstance(name, str) and name.startswith("step-"):
        suffix = name.removeprefix("step-")
        return int(suffix) if suffix.isdigit() else None
    return None


class CapabilityGate:
    """The SUT's signer or verifier behind the profile's declarations: a case the profile
    declares unsupported is answered with :class:`SutUnsupported`, the software is not asked.

    ``declined`` maps a checkpoint's step index to the reason (one scenario at a time).
    """

    def __init__(self, declined: Mapping[int, str], signer: Signer | None = None,
                 verifier: Verifier | None = None) -> None:
        self._declined = dict(declined)
        self._signer = signer
        self._verifier = verifier

    def _check(self, workdir: object) -> None:
        index = _step_of(workdir)
        if index is not None and index in self._declined:
            raise SutUnsupported(self._declined[index], kind="declared-unsupported")

    def sign(self, request: SignRequest) -> SignerAnswer:
        self._check(request.workdir)
        assert self._signer is not None, "a gate without a signer was asked to sign"
        return self._signer.sign(request)

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        self._check(request.workdir)
        assert self._verifier is not None, "a gate without a verifier was asked to verify"
        return self._verifier.verify(request)


def declined_cases(capabilities: Capabilities, cases: list[Case]) -> dict[int, str]:
    """Step index → reason, for the cases the profile declares it cannot play."""
    return {case.step_index: reason for case in cases
            if (reason := missing_capability(capabilities, case)) is not None}


__all__ = ["CAPABILITY_RULES", "FORMAT_CAPABILITY", "FORMAT_REQUIREMENTS", "CapabilityGate",
           "CapabilityRule", "case_format", "declined_cases", "declined_severity",
           "format_mandatory", "mandatory_requirements", "markdown_table", "missing_capability",
           "unruled", "unsupported_verdict"]
