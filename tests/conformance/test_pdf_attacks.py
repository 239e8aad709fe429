"""The reference verifier on each PDF attack family (signature wrapping, shadow attacks,
certification attacks) and the permitted counterparts, and which defective verifier each one
catches: a defect is caught where it answers TOTAL-PASSED to an attack (or rejects a permitted
change), and the defects that look elsewhere are *not* fooled into the wrong answer by it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.oracle import SignatureKind, validate_pdf
from conformance.policy import load_policy
from conformance.reference.defects import Defect, DefectiveVerifier
from conformance.reference.messages import integrity_message, reason_message
from conformance.reference.verifier import verify
from conformance.verdict import Indication, SubIndication
from scenarios.loader import find_scenario, load_scenario
from scenarios.vietnamese import Integrity, classify_integrity
from testbed import pdf_attacks
from testbed.documents import add_comment, append_content_change, fill_form_field
from testbed.fixture_signing import sign_fixture
from testbed.pdf_attacks import ShadowVariant
from testbed.session import Testbed
from tests.conformance.oracle_helpers import PERSON, document, trust_roots

FAILED = (Indication.TOTAL_FAILED,
          {SubIndication.DISALLOWED_MODIFICATION, SubIndication.FORMAT_FAILURE})
PASSED = (Indication.TOTAL_PASSED, {None})


@dataclass(frozen=True)
class Family:
    """An attack (or a permitted change) on a signed document and what must come of it."""

    name: str
    certify: int | None
    attack: Callable[[bytes], bytes]
    expected: tuple[Indication, set[SubIndication | None]]
    caught_by: frozenset[Defect]
    """Defects that must answer wrongly (the checkpoint catches them)."""
    not_caught_by: frozenset[Defect] = frozenset()
    """Defects whose rule is beside the point here: they must answer like the reference."""
    shadow: ShadowVariant | None = None


FAMILIES = [
    Family("signature-wrapping", None, pdf_attacks.wrap_signature, FAILED,
           frozenset({Defect.IGNORE_BYTE_RANGE_COVERAGE, Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.SKIP_INTEGRITY, Defect.IGNORE_DOCMDP})),
    Family("shadow-hide", None, pdf_attacks.shadow_hide, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.IGNORE_BYTE_RANGE_COVERAGE, Defect.SKIP_INTEGRITY}),
           shadow=ShadowVariant.HIDE),
    Family("shadow-replace", None, pdf_attacks.shadow_replace, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.IGNORE_BYTE_RANGE_COVERAGE}), shadow=ShadowVariant.REPLACE),
    Family("shadow-hide-and-replace", None, pdf_attacks.shadow_hide_and_replace, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.IGNORE_BYTE_RANGE_COVERAGE}),
           shadow=ShadowVariant.HIDE_AND_REPLACE),
    Family("form-fill-under-p1", 1, lambda pdf: fill_form_field(pdf, "Đã điền"), FAILED,
           frozenset({Defect.IGNORE_DOCMDP, Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.IGNORE_BYTE_RANGE_COVERAGE})),
    Family("evil-annotation-under-p2", 2, pdf_attacks.evil_annotation, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           # annotations are refused after an approval signature too: not a DocMDP question
           frozenset({Defect.IGNORE_DOCMDP})),
    Family("sneaky-signature-under-p2", 2, pdf_attacks.sneaky_signature, FAILED,
           frozenset({Defect.IGNORE_DOCMDP, Defect.ACCEPT_INCREMENTAL_UPDATES})),
    Family("form-fill-under-p2", 2, lambda pdf: fill_form_field(pdf, "Đã điền"), PASSED,
           frozenset({Defect.CERTIFICATION_FORBIDS_ALL}),
           frozenset({Defect.IGNORE_DOCMDP, Defect.CERTIFICATION_FORBIDS_COMMENTS})),
    Family("comment-under-p3", 3, add_comment, PASSED,
           frozenset({Defect.CERTIFICATION_FORBIDS_COMMENTS, Defect.CERTIFICATION_FORBIDS_ALL}),
           frozenset({Defect.IGNORE_DOCMDP})),
    Family("comment-under-p2", 2, add_comment, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.CERTIFICATION_FORBIDS_COMMENTS})),
    Family("content-change-under-p3", 3, append_content_change, FAILED,
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.IGNORE_DOCMDP, Defect.CERTIFICATION_FORBIDS_COMMENTS})),
    Family("page-sized-note-under-p3", 3, lambda pdf: add_comment(pdf, size=400), FAILED,
           # a /Text note whose /Rect covers the page is not a note icon: refused
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES}),
           frozenset({Defect.CERTIFICATION_FORBIDS_COMMENTS})),
    Family("evil-annotation-under-p3", 3, pdf_attacks.evil_annotation, FAILED,
           # a FreeText drawn over the page is not a comment: the strict reading (module
           # conformance.oracle.annotations), as for a new visible signature
           frozenset({Defect.ACCEPT_INCREMENTAL_UPDATES})),
]


@pytest.fixture(scope="module")
def victim(testbed: Testbed) -> str:
    if "attack-family-victim" not in testbed.state.subscribers:
        testbed.issue("attack-family-victim", name=PERSON)
    label = testbed.state.subscriber("attack-family-victim").current_certificate
    assert label is not None
    return label


def _attacked(testbed: Testbed, victim: str, family: Family) -> bytes:
    source = document(with_form_field=True)
    if family.shadow is not None:
        source = pdf_attacks.prepare_shadow(source, family.shadow)
    signed = sign_fixture(testbed, source, certificate_label=victim, level="B-T",
                          certify=family.certify)
    return family.attack(signed)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_reference_verdict_and_the_defects_it_catches(testbed: Testbed, victim: str,
                                                      family: Family, tmp_path: Path) -> None:
    path = tmp_path / f"{family.name}.pdf"
    path.write_bytes(_attacked(testbed, victim, family))
    roots = trust_roots(testbed)
    reference = verify(path, roots, at=testbed.now()).signatures[0]
    indication, sub_indications = family.expected
    assert reference.indication is indication, reference.display.get("result")
    assert reference.sub_indication in sub_indications
    for defect in family.caught_by:
        answer = DefectiveVerifier(defect).verify_document(path, roots, testbed.now())
        assert answer.signatures[0].indication is not indication, \
            f"{defect.value} must answer wrongly on {family.name}"
    for defect in family.not_caught_by:
        answer = DefectiveVerifier(defect).verify_document(path, roots, testbed.now())
        assert answer.signatures[0].indication is indication, \
            f"{defect.value} is beside the point on {family.name}"


def test_oracle_says_which_changes_only_the_certification_forbids(
        testbed: Testbed, victim: str) -> None:
    """The finding the ignore-docmdp defect reads: set for a form fill under P=1 and a new
    visible signature under P=2, not for an annotation (refused after any signature)."""
    expected = {"form-fill-under-p1": True, "sneaky-signature-under-p2": True,
                "evil-annotation-under-p2": False, "form-fill-under-p2": False}
    for family in (f for f in FAMILIES if f.name in expected):
        result = validate_pdf(_attacked(testbed, victim, family), trust_roots(testbed),
                              at=testbed.now())
        certification = next(s for s in result.signatures if s.kind is SignatureKind.SIGNATURE)
        assert certification.integrity is not None
        assert certification.integrity.certification == family.certify
        assert certification.integrity.forbidden_only_by_certification is \
            expected[family.name], family.name
        if expected[family.name]:
            assert f"DocMDP P={family.certify}" in certification.reason
            shown = integrity_message(certification)
            # the document changed, not the signature: no "không toàn vẹn" of the signature
            assert shown.vietnamese.startswith("Tài liệu đã bị sửa đổi sau khi ký")
            assert (f"chữ ký chứng nhận không cho phép (DocMDP P={family.certify})"
                    in shown.vietnamese)
            assert "các giá trị băm vẫn khớp" in shown.vietnamese
            assert classify_integrity(shown.vietnamese) is Integrity.NOT_INTACT


def test_comments_are_permitted_at_p3_only(testbed: Testbed, victim: str) -> None:
    """pyHanko's difference analysis refuses a comment after any certification; with the P=3
    comment rule the oracle finds it permitted at P=3 (level ANNOTATIONS, intact), and at P=2
    still a change that is not allowed, with its own sub-indication and wording."""
    by_name = {family.name: family for family in FAMILIES}
    results = {name: next(s for s in validate_pdf(
        _attacked(testbed, victim, by_name[name]), trust_roots(testbed),
        at=testbed.now()).signatures if s.kind is SignatureKind.SIGNATURE)
        for name in ("comment-under-p3", "comment-under-p2", "content-change-under-p3")}
    permitted = results["comment-under-p3"]
    assert permitted.indication is Indication.TOTAL_PASSED, permitted.reason
    assert permitted.integrity is not None and permitted.integrity.docmdp_ok is True
    assert permitted.integrity.modification_level == "ANNOTATIONS"
    shown = integrity_message(permitted).vietnamese
    assert classify_integrity(shown) is Integrity.INTACT, shown
    for name in ("comment-under-p2", "content-change-under-p3"):
        refused = results[name]
        assert (refused.indication, refused.sub_indication) == (
            Indication.TOTAL_FAILED, SubIndication.DISALLOWED_MODIFICATION), name
        assert refused.integrity is not None and refused.integrity.intact, name
        reason = reason_message(refused)
        assert reason is not None and reason.vietnamese.startswith(
            "Tài liệu đã bị sửa đổi sau khi ký theo cách người ký không cho phép"), name
        assert classify_integrity(integrity_message(refused).vietnamese) is \
            Integrity.NOT_INTACT, name


def test_sneaky_signature_costs_what_the_policy_says() -> None:
    """ISO 32000 permits signing under P=2: accepting the sneaky signature is a warning under
    the default policy and a failure under the strict one; the other attacks fail under both."""
    scenario = load_scenario(find_scenario("certification-attacks"))
    checkpoints = {step.checkpoint.id: step.checkpoint.requirements
                   for _, step in scenario.checkpoints() if step.checkpoint is not None}
    default, _ = load_policy("default")
    strict, _ = load_policy("strict")
    sneaky = checkpoints["verify-sneaky-signature"]
    assert (default.case_severity(sneaky).value, strict.case_severity(sneaky).value) == \
        ("WARNING", "FAIL")
    for name in ("verify-evil-annotation", "verify-certified-p1-form-fill"):
        assert default.case_severity(checkpoints[name]).value == "FAIL"
