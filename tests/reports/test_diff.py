"""`kyso report diff`: exactly the cases and requirements whose verdict changed."""

from __future__ import annotations

from reports.diff import ChangeKind, diff_results, render_diff_markdown, render_diff_table
from reports.results import Results, Verdict
from tests.reports.sample import sample_results


def _new_run() -> Results:
    new = sample_results()
    new.run.sut.version = "3.2.2"
    cases = {case.id: case for case in new.cases}
    cases["signer::certificate::refuse-revoked-certificate"].verdict = Verdict.PASS  # fixed
    cases["verifier::integrity::byte-flipped-in-signed-range"].verdict = Verdict.FAIL  # broke
    cases["verifier::display::seven-fields-in-vietnamese"].verdict = Verdict.PASS  # answered
    new.cases = [case for case in new.cases if case.id != "signer::pades::b-lta-archive-timestamp"]
    added = new.cases[0].model_copy(update={"id": "signer::pades::b-t-with-timestamp"})
    new.cases.append(added)
    requirements = {requirement.id: requirement for requirement in new.requirements}
    requirements["TT15-5.1.a"].verdict = Verdict.PASS
    return new


def test_the_diff_lists_exactly_the_changed_cases_and_requirements() -> None:
    diff = diff_results(sample_results(), _new_run())
    kinds = {change.id: (change.old, change.new, change.kind) for change in diff.cases}
    assert kinds == {
        "signer::certificate::refuse-revoked-certificate":
            (Verdict.FAIL, Verdict.PASS, ChangeKind.BETTER),
        "verifier::integrity::byte-flipped-in-signed-range":
            (Verdict.PASS, Verdict.FAIL, ChangeKind.WORSE),
        "verifier::display::seven-fields-in-vietnamese":
            (Verdict.ERROR, Verdict.PASS, ChangeKind.BETTER),
        "signer::pades::b-t-with-timestamp": (None, Verdict.PASS, ChangeKind.ADDED),
        "signer::pades::b-lta-archive-timestamp": (Verdict.SKIPPED, None, ChangeKind.REMOVED),
    }
    assert [change.id for change in diff.requirements] == ["TT15-5.1.a"]
    assert [change.id for change in diff.regressions] == [
        "verifier::integrity::byte-flipped-in-signed-range"]


def test_identical_runs_have_no_difference() -> None:
    diff = diff_results(sample_results(), sample_results())
    assert not diff
    assert "Không có kết quả nào thay đổi" in render_diff_table(diff)
    assert "No verdict changed" in render_diff_markdown(diff)


def test_the_table_is_aligned_with_bilingual_headers() -> None:
    table = render_diff_table(diff_results(sample_results(), _new_run()))
    lines = table.splitlines()
    header = next(line for line in lines if line.startswith("Loại / Kind"))
    for words in ("Mã / ID", "Trước / Old", "Sau / New", "Thay đổi / Change"):
        assert words in header
    rows = [line for line in lines
            if line.startswith(("Điểm kiểm tra / case", "Yêu cầu / requirement"))]
    assert len(rows) == 6
    column = header.index("Trước / Old")
    assert all(row[column - 2:column] == "  " for row in rows)  # aligned after the ID column
    assert "kém hơn / worse" in table and "Không đạt (FAIL)" in table
    assert "3.2.1" in lines[0] and "3.2.2" in lines[1]


def test_the_markdown_table_has_one_row_per_change() -> None:
    markdown = render_diff_markdown(diff_results(sample_results(), _new_run()))
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| Loại / Kind | Mã / ID")
    assert len(rows) == 1 + 6


def _verifier_only() -> Results:
    run = _new_run()
    run.run.roles = ["verifier"]
    run.cases = [case for case in run.cases if case.id.startswith("verifier::")]
    return run


def test_only_the_roles_both_runs_played_are_compared() -> None:
    diff = diff_results(sample_results(), _verifier_only())
    assert diff.roles == ("verifier",) and diff.only_old == ("signer",) and not diff.only_new
    assert all(change.id.startswith("verifier::") for change in diff.cases)
    assert ChangeKind.REMOVED not in {change.kind for change in diff.cases}
    table = render_diff_table(diff)
    assert ("So sánh vai trò: người kiểm tra (verifier) — chỉ có trong Trước: người ký (signer), "
            "không so sánh / Compared roles: verifier; only in Old: signer, not compared") in table


def test_runs_of_the_same_roles_say_both_were_compared() -> None:
    table = render_diff_table(diff_results(sample_results(), _new_run()))
    assert ("So sánh vai trò: người ký (signer), người kiểm tra (verifier) / "
            "Compared roles: signer, verifier") in table.splitlines()
