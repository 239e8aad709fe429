"""What each signature format can play: the rules a scenario file's ``formats`` are checked by.

A story is written once and played once per format it lists (TT15/2025 Annex I rows 1.4–1.7
beside PAdES, row 1.5). Not every step means something in every format: plain CMS and plain
XML-DSig (the e-invoice form) carry no timestamp, CAdES has no B-LTA in the reference tools
(pyHanko neither makes nor validates a CMS archive-time-stamp-v3), and the PDF attack families
(form fills, shadow attacks, certification) have no counterpart outside a PDF. Checking this
when the file is loaded keeps a story from claiming a format it cannot be played in: the
author restricts such a step with its own ``formats`` instead, or leaves the format out.
"""

from __future__ import annotations

from collections.abc import Iterable

from bilingual import say

from .outcomes import SignatureFormat

LEVELS: dict[SignatureFormat, frozenset[str]] = {
    SignatureFormat.PADES: frozenset({"B-B", "B-T", "B-LT", "B-LTA"}),
    SignatureFormat.XADES: frozenset({"B-B", "B-T", "B-LT", "B-LTA"}),
    SignatureFormat.XMLDSIG: frozenset({"B-B"}),
    SignatureFormat.CADES: frozenset({"B-B", "B-T", "B-LT"}),
    SignatureFormat.CMS: frozenset({"B-B"}),
}
"""The levels a signing step may ask for, per format. ``B-B`` for plain CMS and XML-DSig means
the format's only form: a signature with a claimed signing time and no timestamp."""

TAMPER_KINDS: frozenset[str] = frozenset({"byte-flip", "content-update"})
"""The tamper kinds that have a meaning outside a PDF: the signed content changed (an XML text
node under the signature, the bytes of a detached signature's content file)."""

FORMAT_REQUIREMENTS: dict[SignatureFormat, str] = {
    SignatureFormat.CMS: "TT15-PL1-1.4",
    SignatureFormat.XADES: "TT15-PL1-1.6",
    SignatureFormat.XMLDSIG: "TT15-PL1-1.6",
    SignatureFormat.CADES: "TT15-PL1-1.7",
}
"""The Annex I row every case of a non-PAdES format also traces to."""

PDF_ONLY_REQUIREMENTS: frozenset[str] = frozenset({"TT15-PL1-1.5", "TT15-PL1-1.5-baseline"})
"""Requirements about PDF signatures (Annex I row 1.5): not what a case of another format
evidences, so such a case drops them and cites its own row instead."""


def step_formats(step: object, formats: Iterable[SignatureFormat]) -> list[SignatureFormat]:
    """The formats a step is played in: its own ``formats`` (a subset), else the scenario's."""
    own = getattr(step, "formats", None)
    return list(own) if own is not None else list(formats)


def format_problem(step: object, fmt: SignatureFormat) -> str | None:
    """Why ``step`` cannot be played in ``fmt`` (bilingual), or None."""
    do = getattr(step, "do", "")
    if fmt is SignatureFormat.PADES:
        return None
    if do == "sign":
        if getattr(step, "by", "sut") == "fixture":
            return say(f"định dạng {fmt.value}: bước ký 'by: fixture' chỉ dùng cho PDF",
                       f"format {fmt.value}: a 'by: fixture' signing step is PDF only")
        level = getattr(step, "level", "B-B")
        if level not in LEVELS[fmt]:
            offered = ", ".join(sorted(LEVELS[fmt]))
            return say(f"định dạng {fmt.value} không có mức {level} (chỉ có {offered})",
                       f"format {fmt.value} has no level {level} (only {offered})")
        if getattr(step, "visible", False) or getattr(step, "input", None):
            return say(f"định dạng {fmt.value}: chữ ký hiển thị hoặc ký tiếp lên tài liệu "
                       "đã ký chỉ dùng cho PDF",
                       f"format {fmt.value}: a visible signature or signing a signed "
                       "artifact again is PDF only")
    if do == "tamper" and getattr(step, "kind", "") not in TAMPER_KINDS:
        kinds = ", ".join(sorted(TAMPER_KINDS))
        return say(f"định dạng {fmt.value}: kiểu sửa '{getattr(step, 'kind', '')}' chỉ dùng "
                   f"cho PDF (dùng {kinds})",
                   f"format {fmt.value}: tamper kind '{getattr(step, 'kind', '')}' is PDF "
                   f"only (use {kinds})")
    if do == "extend":
        return say(f"định dạng {fmt.value}: bước extend chỉ dùng cho PDF",
                   f"format {fmt.value}: an extend step is PDF only")
    return None


def check_step_formats(where: str, step: object, played: list[SignatureFormat],
                       formats: list[SignatureFormat]) -> None:
    """A step's own ``formats`` are some of the scenario's, and it can be played in each;
    else a ValueError naming ``where``'s field (the loader turns it into one line)."""
    stray = [fmt.value for fmt in played if fmt not in formats]
    if stray:
        raise ValueError(f"{where}.formats: " + say(
            f"'{stray[0]}' không có trong formats của kịch bản",
            f"'{stray[0]}' is not in the scenario's formats"))
    for fmt in played:
        problem = format_problem(step, fmt)
        if problem is not None:
            raise ValueError(f"{where}.formats: {problem}")


__all__ = ["FORMAT_REQUIREMENTS", "LEVELS", "PDF_ONLY_REQUIREMENTS", "TAMPER_KINDS",
           "check_step_formats", "format_problem", "step_formats"]
