"""Reading the data files kyso ships or a lab supplies (catalogue, policies): one way to say
what is wrong with them, in one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bilingual import say
from testbed import InvalidInputError


def read_yaml(path: Path, error: type[InvalidInputError]) -> tuple[bytes, Any]:
    """The file's bytes and its parsed YAML; ``error`` (one line) when unreadable or broken."""
    try:
        raw = path.read_bytes()
        return raw, yaml.safe_load(raw)
    except OSError as problem:
        raise error(f"{path}: " + say(f"không đọc được ({problem.strerror})",
                                      f"cannot read ({problem.strerror})")) from None
    except yaml.YAMLError as problem:
        shown = " ".join(str(problem).split())
        raise error(f"{path}: " + say(f"lỗi YAML: {shown}", f"YAML error: {shown}")) from None


def first_problem(error: ValidationError) -> tuple[str, str]:
    """(dotted location, message) of a validation error's first problem."""
    detail = error.errors()[0]
    return ".".join(str(part) for part in detail["loc"]), str(detail["msg"])
