"""``kyso report diff OLD NEW``: which cases, requirements and findings changed verdict between
two runs.

A vendor fixes a defect and re-runs; the officer wants to see exactly what moved: a case that now
passes, one that now fails (a regression), a case added to or removed from the catalogue.
:func:`diff_results` compares two results files by ID (and, within a case both runs judged check by
check, by check: "the indication still passes, the Vietnamese result now too");
:func:`render_diff_table` prints the changes as an aligned plain-text table for a terminal
(Vietnamese column headers with English), and :func:`render_diff_markdown` the same as a Markdown
table (for an issue or a mail).

Only the roles both runs played are compared: a verifier-only run against a full run would
otherwise list every signer case as "removed", which is a difference of scope, not of verdicts.
The heading says which roles were compared and which were played by one run only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .results import Results, Verdict
from .vocabulary import SHORT_VERDICT_WORDS, Words, role_of, vietnam_time

_RANK = {Verdict.FAIL: 0, Verdict.ERROR: 1, Verdict.SKIPPED: 2, Verdict.PASS: 3}
"""How good a verdict is, to call a change better or worse."""


class ChangeKind(StrEnum):
    """What happened to one ID between the two runs."""

    BETTER = "better"
    WORSE = "worse"
    CHANGED = "changed"
    """Same rank, different verdict: cannot happen with today's four verdicts; kept for safety."""
    ADDED = "added"
    REMOVED = "removed"


CHANGE_WORDS = {
    ChangeKind.BETTER: Words("tốt hơn", "better"),
    ChangeKind.WORSE: Words("kém hơn", "worse"),
    ChangeKind.CHANGED: Words("thay đổi", "changed"),
    ChangeKind.ADDED: Words("mới", "added"),
    ChangeKind.REMOVED: Words("đã bỏ", "removed"),
}


@dataclass(frozen=True)
class Change:
    """One case or requirement whose verdict differs (``None``: absent from that run)."""

    id: str
    old: Verdict | None
    new: Verdict | None

    @property
    def kind(self) -> ChangeKind:
        if self.old is None:
            return ChangeKind.ADDED
        if self.new is None:
            return ChangeKind.REMOVED
        if _RANK[self.new] > _RANK[self.old]:
            return ChangeKind.BETTER
        if _RANK[self.new] < _RANK[self.old]:
            return ChangeKind.WORSE
        return ChangeKind.CHANGED


@dataclass(frozen=True)
class RunLabel:
    """Which run a side of the diff is: software version and start instant."""

    software: str
    started_at: str


@dataclass(frozen=True)
class ResultsDiff:
    """Every case and requirement whose verdict changed, was added or was removed, in the new
    run's order (removed ones last, in the old run's order)."""

    old: RunLabel
    new: RunLabel
    cases: tuple[Change, ...]
    requirements: tuple[Change, ...]
    findings: tuple[Change, ...] = ()
    """Findings (``case ID · check``) whose verdict changed, compared where both runs judged
    the case check by check (results version 2 on both sides)."""
    roles: tuple[str, ...] = ()
    """The roles both runs played: the only ones compared."""
    only_old: tuple[str, ...] = ()
    """Roles only the old run played (not compared)."""
    only_new: tuple[str, ...] = ()
    """Roles only the new run played (not compared)."""

    @property
    def regressions(self) -> tuple[Change, ...]:
        """Cases that got worse: what a vendor must explain."""
        return tuple(change for change in self.cases if change.kind is ChangeKind.WORSE)

    def __bool__(self) -> bool:
        return bool(self.cases or self.requirements or self.findings)


def _changes(old: Iterable[tuple[str, Verdict]], new: Iterable[tuple[str, Verdict]]
             ) -> tuple[Change, ...]:
    before, after = dict(old), dict(new)
    changed = [Change(identifier, before.get(identifier), verdict)
               for identifier, verdict in after.items() if before.get(identifier) != verdict]
    removed = [Change(identifier, verdict, None)
               for identifier, verdict in before.items() if identifier not in after]
    return (*changed, *removed)


def _label(results: Results) -> RunLabel:
    sut = results.run.sut
    return RunLabel(f"{sut.name} {sut.version or ''}".strip(),
                    vietnam_time(results.run.started_at))


FINDING_SEPARATOR = " · "


def _finding_verdicts(results: Results, judged: set[str]) -> list[tuple[str, Verdict]]:
    return [(f"{case.id}{FINDING_SEPARATOR}{finding.check}", finding.verdict)
            for case in results.cases if case.id in judged for finding in case.findings]


def _ordered(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles in the catalogue's order (signer, verifier), unknown ones after."""
    order = ["signer", "verifier"]
    return tuple(sorted(set(roles), key=lambda role: (order.index(role) if role in order
                                                      else len(order), role)))


def _compared_requirements(results: Results, other: Results, roles: set[str]
                           ) -> list[tuple[str, Verdict]]:
    """Requirements backed by at least one case of a compared role (in either run)."""
    cases = {r.id: set(r.cases) for r in other.requirements}
    return [(r.id, r.verdict) for r in results.requirements
            if any(role_of(case) in roles for case in {*r.cases, *cases.get(r.id, set())})]


def diff_results(old: Results, new: Results) -> ResultsDiff:
    """The verdict changes from ``old`` to ``new`` within the roles both runs played, matched
    by case and requirement ID, and by check within the cases both runs judged check by
    check."""
    roles = set(old.run.roles) & set(new.run.roles)
    old_cases = [c for c in old.cases if role_of(c.id) in roles]
    new_cases = [c for c in new.cases if role_of(c.id) in roles]
    judged = {c.id for c in old_cases if c.findings} & {c.id for c in new_cases if c.findings}
    return ResultsDiff(
        old=_label(old), new=_label(new),
        cases=_changes(((c.id, c.verdict) for c in old_cases),
                       ((c.id, c.verdict) for c in new_cases)),
        requirements=_changes(_compared_requirements(old, new, roles),
                              _compared_requirements(new, old, roles)),
        findings=_changes(_finding_verdicts(old, judged), _finding_verdicts(new, judged)),
        roles=_ordered(roles), only_old=_ordered(set(old.run.roles) - roles),
        only_new=_ordered(set(new.run.roles) - roles))


# ---- rendering -------------------------------------------------------------------------------
_HEADERS = (Words("Loại", "Kind"), Words("Mã", "ID"), Words("Trước", "Old"),
            Words("Sau", "New"), Words("Thay đổi", "Change"))


def _verdict(verdict: Verdict | None) -> str:
    if verdict is None:
        return "—"
    words = SHORT_VERDICT_WORDS[verdict]
    return f"{words.vi} ({verdict.value})"


def _rows(diff: ResultsDiff) -> list[list[str]]:
    rows = []
    for kind, changes in ((Words("Yêu cầu", "requirement"), diff.requirements),
                          (Words("Điểm kiểm tra", "case"), diff.cases),
                          (Words("Kiểm tra", "finding"), diff.findings)):
        for change in changes:
            words = CHANGE_WORDS[change.kind]
            rows.append([f"{kind.vi} / {kind.en}", change.id, _verdict(change.old),
                         _verdict(change.new), f"{words.vi} / {words.en}"])
    return rows


def _width(text: str) -> int:
    """Terminal columns: combining marks take none, wide (East Asian) letters two."""
    return sum(0 if unicodedata.combining(char) else
               2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


_ROLE_NAMES = {"signer": Words("người ký", "signer"),
               "verifier": Words("người kiểm tra", "verifier")}


def _role_names(roles: Iterable[str]) -> tuple[str, str]:
    names = [_ROLE_NAMES.get(role, Words(role, role)) for role in roles]
    return (", ".join(f"{n.vi} ({n.en})" for n in names) or "không có",
            ", ".join(n.en for n in names) or "none")


def roles_line(diff: ResultsDiff) -> str:
    """One line saying which roles were compared, and which one run played alone."""
    vi, en = _role_names(diff.roles)
    vi, en = f"So sánh vai trò: {vi}", f"Compared roles: {en}"
    for side, alone in ((Words("Trước", "Old"), diff.only_old), (Words("Sau", "New"),
                                                                   diff.only_new)):
        if alone:
            alone_vi, alone_en = _role_names(alone)
            vi += f" — chỉ có trong {side.vi}: {alone_vi}, không so sánh"
            en += f"; only in {side.en}: {alone_en}, not compared"
    return f"{vi} / {en}"


def _heading(diff: ResultsDiff) -> list[str]:
    return [f"Trước / Old: {diff.old.software}, {diff.old.started_at}",
            f"Sau / New:   {diff.new.software}, {diff.new.started_at}",
            roles_line(diff)]


_NO_CHANGE = "Không có kết quả nào thay đổi. / No verdict changed."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _summary(diff: ResultsDiff) -> str:
    requirements, cases, worse = len(diff.requirements), len(diff.cases), len(diff.regressions)
    findings = len(diff.findings)
    return (f"{requirements} yêu cầu, {cases} ca, {findings} kiểm tra thay đổi; "
            f"{worse} ca kém hơn. / "
            f"{_count(requirements, 'requirement')}, {_count(cases, 'case')}, "
            f"{_count(findings, 'finding')} changed; {worse} worse.")


def render_diff_table(diff: ResultsDiff) -> str:
    """The changes as an aligned plain-text table (one line per change), for a terminal."""
    lines = _heading(diff)
    rows = _rows(diff)
    if not rows:
        return "\n".join([*lines, _NO_CHANGE]) + "\n"
    header = [f"{words.vi} / {words.en}" for words in _HEADERS]
    widths = [max(_width(row[index]) for row in [header, *rows]) for index in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True)
                         ).rstrip()

    lines += ["", line(header), line(["-" * width for width in widths])]
    lines += [line(row) for row in rows]
    lines += ["", _summary(diff)]
    return "\n".join(lines) + "\n"


def render_diff_markdown(diff: ResultsDiff) -> str:
    """The same changes as a Markdown table."""
    lines = [f"- {text}" for text in _heading(diff)]
    rows = _rows(diff)
    if not rows:
        return "\n".join([*lines, "", _NO_CHANGE]) + "\n"

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines += ["", "| " + " | ".join(f"{w.vi} / {w.en}" for w in _HEADERS) + " |",
              "|" + "---|" * len(_HEADERS)]
    lines += ["| " + " | ".join(cell(text) for text in row) + " |" for row in rows]
    lines += ["", _summary(diff)]
    return "\n".join(lines) + "\n"
