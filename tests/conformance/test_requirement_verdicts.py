"""A failed case fails the requirements its failure is about, not every clause it cites."""

from __future__ import annotations

from datetime import UTC, datetime

from conformance.runner import failed_requirements
from reports.results import CaseResult, Text, Verdict


def _case(reason: str, role: str = "verifier") -> CaseResult:
    return CaseResult(id=f"{role}::story::checkpoint", title=Text(vi="x", en="x"),
                      requirements=["TT15-6.1.c", "TT15-6.4.a" if role == "verifier"
                                    else "TT15-5.6.b"],
                      expected="x", actual="y", verdict=Verdict.FAIL, reason=reason,
                      judged_at=datetime(2026, 11, 22, tzinfo=UTC), duration_seconds=0.1)


def test_wrong_indication_fails_the_checkpoint_clauses_only() -> None:
    assert failed_requirements(_case("wrong indication")) == {"TT15-6.1.c"}


def test_english_only_fails_the_vietnamese_message_requirement_only() -> None:
    assert failed_requirements(_case("the person is told nothing we recognise in Vietnamese, "
                                     "not 'Chữ ký số hợp lệ'")) == {"TT15-6.4.a"}
    assert failed_requirements(_case("the signer is not told 'đã ký' in Vietnamese "
                                     "(TT15-5.6.b)", role="signer")) == {"TT15-5.6.b"}


def test_a_wrong_display_field_fails_the_seven_fields_requirement() -> None:
    assert failed_requirements(_case("display: signer: 'x' does not name the signer")) == \
        {"TT15-6.4.b"}


def test_a_signature_in_the_wrong_format_fails_the_format_requirement() -> None:
    from conformance.cases import FORMAT_REQUIREMENT

    wrong_format = ("asked for PAdES B-T, the signature is CMS (adbe.pkcs7.detached) (/SubFilter "
                    f"adbe.pkcs7.detached), not a PAdES baseline signature ({FORMAT_REQUIREMENT})")
    alone = _case(f"the output is wrong: {wrong_format}", role="signer")
    assert failed_requirements(alone) == {FORMAT_REQUIREMENT}
    # with another problem, the checkpoint's own clauses fail too
    both = _case(f"the output is wrong: {wrong_format}; asked for PAdES B-T, the signature "
                 "carries only what B-B needs", role="signer")
    assert failed_requirements(both) == {FORMAT_REQUIREMENT, "TT15-6.1.c"}
