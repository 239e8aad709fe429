"""How a pydantic error in a ``sut.toml`` becomes one line a person reads: ``FIELD: PROBLEM``.

pydantic reports a list of errors in English with its own locations; a vendor fixing a profile
needs the first one, named by the dotted path they wrote in TOML, in Vietnamese first. kyso's own
validators already raise ``FIELD: problem`` in both languages and are passed through as they are;
pydantic's generic errors (unknown key, missing table, a value outside a literal) are put in
both languages here.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from bilingual import say
from conformance.sut.service_profile import UNION_TAGS

_PATH_IN_MESSAGE = re.compile(r"^([A-Za-z_][\w-]*(?:\[\d+\])?(?:\.[\w$-]+(?:\[\d+\])*)*): ")


def _dotted(location: tuple[int | str, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def first_error(error: ValidationError) -> str:
    """``FIELD: PROBLEM`` for the first of pydantic's errors, the problem Vietnamese first."""
    detail = error.errors()[0]
    message = str(detail["msg"]).removeprefix("Value error, ")
    location = tuple(part for part in detail["loc"] if part != "" and part not in UNION_TAGS)
    inner = _PATH_IN_MESSAGE.match(message)
    if inner:  # a model-level check names its own field path
        return message
    dotted = _dotted(location) or "profile"
    return f"{dotted}: {_problem(detail, location, message)}"


def _problem(detail: Any, location: tuple[int | str, ...], message: str) -> str:
    """One pydantic error in both languages (pydantic's own text is English)."""
    kind = detail["type"]
    if kind == "extra_forbidden":
        vietnamese = "trường không xác định (kiểm tra chính tả; trường không xác định là lỗi)"
        english = "unknown key (check the spelling; unknown keys are errors)"
        if len(location) == 2 and location[1] in ("roles", "regimes", "env"):
            vietnamese += (f"; '{location[1]}' là trường cấp cao nhất: trong TOML nó phải "
                           "đứng trước [bảng] đầu tiên")
            english += (f"; '{location[1]}' is a top-level key: in TOML it must come before "
                        "the first [table]")
        return say(vietnamese, english)
    if kind == "missing":
        if location and location[-1] in {"sut", "capabilities", "adapter", "reply", "until"}:
            return say("thiếu bảng bắt buộc", "required table, missing")
        return say("thiếu trường bắt buộc", "required, missing")
    if kind in ("literal_error", "enum"):
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{detail.get('input')!r}: " + say(f"phải là một trong {expected}", message)
    if kind in ("value_error", "assertion_error"):
        return message  # kyso's own validators already speak both languages
    return say("giá trị không hợp lệ", message)


__all__ = ["first_error"]
