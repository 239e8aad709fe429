"""Capabilities honoured, everywhere: every field of ``[capabilities]`` has one row in the table
the runner reads; each row governs exactly the cases it says; a case the profile declares it
cannot play is not run, FAIL when a mandatory requirement is behind it (the reason naming the
capability), else SKIPPED; CONTRACT.md shows the same table; the examples say what happens."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from pydantic import Field

from conformance.capabilities import (
    CAPABILITY_RULES,
    FORMAT_REQUIREMENTS,
    declined_severity,
    markdown_table,
    missing_capability,
    unruled,
    unsupported_verdict,
)
from conformance.cases import Case, all_cases
from conformance.requirements import Level, catalogue
from conformance.runner import RunOptions, conform
from conformance.sut.profile import Capabilities, load_profile
from reports.results import Verdict
from scenarios import Sign, catalogue_paths, load_scenario
from scenarios.formats import format_variants


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "conformance" / "sut" / "examples"
EVERYTHING = Capabilities(formats=["pades", "xades", "xmldsig", "cades", "cms"],
                          pades_levels=["B-B", "B-T", "B-LT", "B-LTA"], ocsp=True, crl=True,
                          offline=True, token_types=["pkcs11"], visible_signature=True,
                          trust_store_management=True, evidence_storage=True)
ABSENT = {"pades_levels": ["B-B"], "token_types": [], "formats": ["pades"]}  # else: False


def _without(name: str) -> Capabilities:
    return EVERYTHING.model_copy(update={name: ABSENT.get(name, False)})


def _steps() -> dict[str, object]:
    """Case ID → its scenario step, read from the scenarios (not through the Case fields)."""
    steps = {}
    for path in catalogue_paths():
        for scenario in format_variants(load_scenario(path)):  # id: name, or name@format
            for _, step in scenario.checkpoints():
                assert step.checkpoint is not None
                role = "signer" if isinstance(step, Sign) else "verifier"
                steps[f"{role}::{scenario.id}::{step.checkpoint.id}"] = step
    return steps


def _needs(name: str, step: object) -> bool:
    """What each capability governs, said again from the step itself."""
    flags = {flag.value for flag in getattr(step.checkpoint, "flags", [])}  # type: ignore[attr-defined]
    return {
        "pades_levels": isinstance(step, Sign) and step.level != "B-B",
        "visible_signature": isinstance(step, Sign) and step.visible,
        "token_types": isinstance(step, Sign),
        "ocsp": "crl-only" in flags, "crl": "ocsp-only" in flags,
        "offline": "offline-validation" in flags,
        "evidence_storage": bool(step.expect.evidence),  # type: ignore[attr-defined]
        "trust_store_management": step.trust is not None,  # type: ignore[attr-defined]
    }[name]


def test_every_capability_of_the_profile_schema_has_one_row() -> None:
    assert unruled() == []
    schema = json.loads((ROOT / "conformance/sut/schemas/sut-profile.schema.json").read_text())
    assert set(schema["$defs"]["Capabilities"]["properties"]) == \
        {rule.capability for rule in CAPABILITY_RULES}


def test_a_capability_nobody_reads_is_caught() -> None:
    class Grown(Capabilities):
        pades_signature_policies: bool = Field(default=False)

    assert unruled(Grown) == ["pades_signature_policies"]


@pytest.mark.parametrize("name", [rule.capability for rule in CAPABILITY_RULES])
def test_declaring_a_capability_absent_declines_exactly_the_cases_it_governs(name: str) -> None:
    steps = _steps()
    cases = all_cases()
    assert all(missing_capability(EVERYTHING, case) is None for case in cases)
    declined = {case.id for case in cases if missing_capability(_without(name), case)}
    if name == "formats":  # a case's format comes from the scenario's formats, not its step
        assert declined == {case.id for case in cases
                            if str(getattr(case, "format", "pades")) != "pades"}
        return
    assert declined == {case_id for case_id, step in steps.items() if _needs(name, step)}
    for case in cases:
        if case.id in declined:
            assert f"capabilities.{name}" in str(missing_capability(_without(name), case))


@pytest.mark.parametrize(("name", "flag"), [("ocsp", "crl-only"), ("crl", "ocsp-only"),
                                            ("offline", "offline-validation")])
def test_a_flagged_case_needs_its_capability(name: str, flag: str) -> None:
    """No case of today's catalogue carries crl-only or offline-validation: a made-up one."""
    [base] = [c for c in all_cases() if c.id == "verifier::happy-path::verify-b-b"]
    flagged = replace(base, flags=(flag,))
    assert missing_capability(_without(name), base) is None
    assert missing_capability(_without(name), flagged) == \
        f"declared unsupported in sut.toml: capabilities.{name} = false"
    assert missing_capability(EVERYTHING, flagged) is None


def test_mandatory_is_never_skipped_and_the_language_check_does_not_make_it_so() -> None:
    cases = {case.id: case for case in all_cases()}
    appearance = cases["signer::state-document-appearance::sign-agency-appearance-iso-time"]
    assert appearance.requirements == ("ND30-PL1", "TT15-5.6.b")  # recommended + implicit
    assert unsupported_verdict(appearance, "why") == (Verdict.SKIPPED, "why")
    seal = cases["signer::organisation-seal::sign-seal-after-personal"]
    verdict, reason = unsupported_verdict(seal, "declared unsupported in sut.toml: x")
    assert verdict is Verdict.FAIL
    assert reason.startswith("declared unsupported in sut.toml: x; but TT15-5.1.g, ND68-29.5 are "
                             "mandatory")
    assert "ND30-PL1" not in reason and "TT15-5.6.b" not in reason


def test_contract_shows_the_table_the_runner_reads() -> None:
    contract = (ROOT / "conformance" / "sut" / "CONTRACT.md").read_text(encoding="utf-8")
    assert markdown_table() in contract


def test_the_pyhanko_example_says_what_the_runner_does() -> None:
    """Its comment once said B-T cases are SKIPPED; the runner FAILs them (mandatory)."""
    text = (EXAMPLES / "pyhanko-cli.toml").read_text(encoding="utf-8")
    assert "SKIPPED as declared unsupported" not in text
    profile = load_profile(EXAMPLES / "pyhanko-cli.toml")
    cases = {case.id: case for case in all_cases() if case.role in profile.roles}
    verdicts = {}
    for case in cases.values():
        reason = missing_capability(profile.capabilities, case)
        if reason is not None:
            verdicts[case.id] = unsupported_verdict(case, reason)[0]
    assert verdicts["signer::happy-path::sign-b-t"] is Verdict.FAIL
    assert verdicts["signer::state-document-appearance::sign-agency-appearance-iso-time"] \
        is Verdict.SKIPPED
    assert verdicts["verifier::happy-path::verify-b-lt"] is Verdict.FAIL
    assert "FAIL, its reason naming capabilities.pades_levels" in " ".join(text.split())


# ---- through the runner: the SUT is not asked, the verdict names the capability ------------
RECORDING_SUT = '''
from pathlib import Path
from conformance.sut.examples.reference_python import create

LOG = Path(__file__).with_name("asked.txt")


class Recording:
    def __init__(self):
        self.inner = create()

    def sign(self, request):
        with LOG.open("a") as log:
            log.write(f"{request.workdir.parents[2].name}/{request.workdir.name}\\n")
        return self.inner.sign(request)

    def verify(self, request):
        with LOG.open("a") as log:
            log.write(f"{request.workdir.parents[2].name}/{request.workdir.name}\\n")
        return self.inner.verify(request)


def make():
    return Recording()
'''

RUNS = {  # capability: (declared absent as, --only, the cases it governs among them)
    "pades_levels": ('pades_levels = ["B-B"]', ("signer::happy-path::sign-b-*",),
                     {"signer::happy-path::sign-b-t", "signer::happy-path::sign-b-lt",
                      "signer::happy-path::sign-b-lta"}),
    "visible_signature": ("visible_signature = false",
                          ("*state-document-appearance*", "*delegated-signing::sign*",
                           "signer::happy-path::sign-b-b"),
                          {"signer::state-document-appearance::sign-agency-appearance-iso-time",
                           "signer::delegated-signing::sign-on-behalf"}),
    "token_types": ("token_types = []", ("*happy-path::sign-b-b", "*happy-path::verify-b-b"),
                    {"signer::happy-path::sign-b-b"}),
    "crl": ("crl = false", ("*::revocation-outage::*",),
            {"signer::revocation-outage::sign-ocsp-down-crl-up",
             "verifier::revocation-outage::verify-ocsp-down-crl-up"}),
    "evidence_storage": ("evidence_storage = false", ("*happy-path::*-b-lt", "*verify-b-b"),
                         {"signer::happy-path::sign-b-lt", "verifier::happy-path::verify-b-lt"}),
    "offline": ("offline = false", ("*extended-after-revocation::verify*",
                                    "verifier::happy-path::verify-b-b"),
                {"verifier::extended-after-revocation::verify-extended-after-revocation-offline"}),
    "trust_store_management": ("trust_store_management = false", ("*::untrusted-roots::*",),
                               {"signer::untrusted-roots::sign-refused-neac-removed",
                                "verifier::untrusted-roots::verify-neac-removed-from-trust-store"}),
    "formats": ('formats = ["pades"]', ("*::happy-path@xades::verify-b-b",
                                         "verifier::happy-path::verify-b-b"),
                {"verifier::happy-path@xades::verify-b-b"}),
}


def _profile(directory: Path, declaration: str) -> Path:
    key = declaration.split(" = ")[0]
    module = f"recording_sut_{key}"  # one module per test: imported modules are cached
    (directory / f"{module}.py").write_text(RECORDING_SUT, encoding="utf-8")
    text = (EXAMPLES / "reference-python.toml").read_text(encoding="utf-8")
    text = text.replace('entry_point = "conformance.sut.examples.reference_python:create"',
                        f'entry_point = "{module}:make"\npath = ["."]')
    text = re.sub(rf"^{key} = .*\n", "", text, flags=re.MULTILINE)
    text = text.replace("[capabilities]\n", f"[capabilities]\n{declaration}\n")
    path = directory / "sut.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_runner_does_not_run_what_the_profile_declares_it_cannot(
        tmp_path: Path, name: str) -> None:
    declaration, only, governed = RUNS[name]
    results = conform(RunOptions(_profile(tmp_path, declaration), tmp_path / "out", only=only),
                      progress=lambda line: None)
    by_id = {case.id: case for case in results.cases}
    assert governed < set(by_id), "every governed case is selected, with a neighbour"
    cases = {case.id: case for case in all_cases()}
    asked = (tmp_path / "asked.txt").read_text().split() if (tmp_path / "asked.txt").exists() \
        else []
    for case_id, result in by_id.items():
        step = f"{cases[case_id].scenario}/step-{cases[case_id].step_index}"
        if case_id in governed:
            expected, _ = unsupported_verdict(cases[case_id], "")
            assert (result.verdict, result.actual) == (expected, "declared unsupported")
            assert f"capabilities.{name}" in result.reason, result.reason
            if expected is Verdict.FAIL:
                assert "a mandatory requirement is never skipped" in result.reason
            assert step not in asked, f"{case_id}: the SUT was asked"
        else:
            assert result.verdict is Verdict.PASS, (case_id, result.reason)
            assert step in asked
    assert {case.verdict for case in results.cases if case.id in governed} <= \
        {Verdict.FAIL, Verdict.SKIPPED}


def test_every_capability_with_cases_today_is_run_through_the_runner() -> None:
    cases = all_cases()
    with_cases = {rule.capability for rule in CAPABILITY_RULES
                  if any(missing_capability(_without(rule.capability), c) for c in cases)}
    assert with_cases == set(RUNS)


def test_a_capability_refusal_speaks_vietnamese_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYSO_LANG")
    [base] = [c for c in all_cases() if c.id == "verifier::happy-path::verify-b-b"]
    flagged = replace(base, flags=("crl-only",))
    assert missing_capability(_without("ocsp"), flagged) == \
        "sut.toml khai báo không hỗ trợ / declared unsupported in sut.toml: " \
        "capabilities.ocsp = false"


def _verify_case(signature_format: str) -> Case:
    [base] = [c for c in all_cases() if c.id == "verifier::happy-path::verify-b-b"]
    return replace(base, format=signature_format)


def test_a_profile_silent_on_formats_plays_pdf_only() -> None:
    assert Capabilities().formats == ["pades"]
    assert missing_capability(Capabilities(), _verify_case("pades")) is None
    reason = missing_capability(Capabilities(), _verify_case("xades"))
    assert reason == ("declared unsupported in sut.toml: capabilities.formats = ['pades'] "
                      "does not include xades")
    assert missing_capability(EVERYTHING, _verify_case("cms")) is None


@pytest.mark.parametrize(("signature_format", "row"), sorted(FORMAT_REQUIREMENTS.items()))
def test_a_format_left_out_fails_when_its_row_is_mandatory_and_skips_when_it_is_not(
        signature_format: str, row: str) -> None:
    case = _verify_case(signature_format)
    only_other = ["xades"] if signature_format == "pades" else ["pades"]
    reason = missing_capability(Capabilities(formats=only_other), case)
    assert reason is not None
    known = dict(catalogue())
    template = known["TT15-PL1-1.5"]
    for level, verdict in ((Level.MANDATORY, Verdict.FAIL), (Level.RECOMMENDED, Verdict.SKIPPED),
                           (Level.OPTIONAL, Verdict.SKIPPED)):
        known[row] = template.model_copy(update={"id": row, "level": level})
        got, said = unsupported_verdict(case, reason, known)
        assert got is verdict, (level, said)
        assert (row in said) is (verdict is Verdict.FAIL)


def test_pdf_left_out_fails_on_the_shipped_catalogue() -> None:
    """TT15-PL1-1.5 is mandatory in the catalogue: a profile without pades FAILs PDF cases."""
    case = _verify_case("pades")
    reason = missing_capability(Capabilities(formats=["xades"]), case)
    verdict, said = unsupported_verdict(case, str(reason))
    assert verdict is Verdict.FAIL and "TT15-PL1-1.5" in said


def test_an_unsupported_level_of_a_format_case_does_not_weigh_the_format() -> None:
    """Only a reason about formats brings in the format's row (a visible signature left out
    of an XAdES case stays SKIPPED when nothing else is mandatory)."""
    [base] = [c for c in all_cases()
              if c.id == "signer::state-document-appearance::sign-agency-appearance-iso-time"]
    case = replace(base, format="xades")
    assert unsupported_verdict(case, "capabilities.visible_signature = false") == \
        (Verdict.SKIPPED, "capabilities.visible_signature = false")


def test_what_a_declined_format_costs_is_the_policys_rating_of_its_row() -> None:
    """PAdES left out: row 1.5, which the default policy rates WARNING (open question 3) and
    the strict one FAIL, whatever the case's other clauses cost; another reason: no say."""
    from conformance.policy import load_policy
    from reports import Severity

    case = _verify_case("pades")
    reason = str(missing_capability(Capabilities(formats=["cades"]), case))
    default, _ = load_policy("default")
    strict, _ = load_policy("strict")
    assert default.case_severity(list(case.requirements)) is Severity.FAIL
    assert declined_severity(case, reason, default) is Severity.WARNING
    assert declined_severity(case, reason, strict) is Severity.FAIL
    assert declined_severity(case, "capabilities.ocsp = false", default) is None
