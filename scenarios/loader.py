"""Reading scenario files: a broken file gets one line naming the file, the line and the field.

YAML is parsed twice, cheaply: once into a node tree (which keeps line numbers) and once into
plain data for the model. A validation error's location (``timeline[3].level``) is walked down the
node tree to the line a person should look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bilingual import say
from testbed import InvalidInputError

from .model import Scenario

CATALOGUE_DIR = Path(__file__).resolve().parent
_PATH_IN_MESSAGE = re.compile(r"^((?:[a-z_]+(?:\[\d+\])?\.)*[a-z_]+(?:\[\d+\])?): ")


class ScenarioFileError(InvalidInputError):
    """A scenario file that cannot be used; the message is ``file:line: field: problem``,
    always on one line, the problem bilingual (:func:`bilingual.say`)."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def _walk(node: yaml.Node | None, location: list[str | int]) -> yaml.Node | None:
    """The deepest node along ``location`` (parts that do not match, like union tags, skipped)."""
    deepest = node
    for part in location:
        if isinstance(node, yaml.MappingNode):
            match = next((value for key, value in node.value
                          if isinstance(key, yaml.ScalarNode) and key.value == str(part)), None)
            if match is None:
                continue
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
        else:
            continue
        deepest = node
    return deepest


def _dotted(location: list[str | int]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _parse_dotted(text: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in text.split("."):
        name, _, rest = piece.partition("[")
        parts.append(name)
        if rest:
            parts.append(int(rest.rstrip("]")))
    return parts


def _first_error(error: ValidationError, tree: yaml.Node | None) -> tuple[int | None, str]:
    detail = error.errors()[0]
    message = str(detail["msg"]).removeprefix("Value error, ")
    location = [part for part in detail["loc"] if part != ""]
    # union members show up as tags in the location: keep the fields only
    fields: list[str | int] = [part for part in location
                               if isinstance(part, int) or "[" not in str(part)]
    inner = _PATH_IN_MESSAGE.match(message)
    if inner:  # a model-level check names its own field path: "timeline[3].actor: ..."
        fields = fields + _parse_dotted(inner.group(1))
        message = message[inner.end():]
    node = _walk(tree, fields)
    line = node.start_mark.line + 1 if node is not None else None
    dotted = _dotted([part for part in fields
                      if not (isinstance(part, str) and part in _STEP_TAGS)])
    if detail["type"] == "extra_forbidden":
        message = say("trường không xác định (hãy kiểm tra chính tả; trường lạ là lỗi)",
                      "unknown key (check the spelling; unknown keys are errors)")
    elif detail["type"] == "missing":
        message = say("bắt buộc, đang thiếu", "required, missing")
    elif detail["type"] != "value_error":  # pydantic's own words, English: name the problem
        message = say(f"giá trị không hợp lệ ({message})", message)
    return line, f"{dotted or 'scenario'}: {message}"


_STEP_TAGS = {"issue", "renew", "change-info", "revoke", "reissue", "lose-token", "lock-token",
              "restore-token", "return-token", "compromise-ca", "outage", "recover", "stale-crl",
              "publish-crl", "sign", "tamper", "verify"}


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text; raises :class:`ScenarioFileError` with file:line: field."""
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ScenarioFileError(f"{source}{line}: " + say(
            f"lỗi cú pháp YAML: {error.problem}",
            f"YAML syntax error: {error.problem}")) from None
    except yaml.YAMLError as error:
        raise ScenarioFileError(f"{source}: " + say(f"lỗi YAML: {error}",
                                                    f"YAML error: {error}")) from None
    if not isinstance(data, dict):
        raise ScenarioFileError(f"{source}:1: " + say(
            "tệp kịch bản phải là một ánh xạ (id, title, ...)",
            "a scenario file is a mapping (id, title, ...)"))
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        line, message = _first_error(error, tree)
        where = f"{source}:{line}" if line is not None else source
        raise ScenarioFileError(f"{where}: {message}") from None


def load_scenario(path: Path) -> Scenario:
    """Load one scenario file; its ``id`` must equal the file name."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioFileError(f"{path}: " + say(f"không đọc được ({reason})",
                                                  f"cannot read ({reason})")) from None
    scenario = parse_scenario(text, str(path))
    if scenario.id != path.stem:
        raise ScenarioFileError(f"{path}:1: id: " + say(
            f"'{scenario.id}' phải trùng với tên tệp '{path.stem}'",
            f"'{scenario.id}' must equal the file name '{path.stem}'"))
    return scenario


def catalogue_paths(directory: Path = CATALOGUE_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def find_scenario(name: str, directory: Path = CATALOGUE_DIR) -> Path:
    """A catalogue scenario by id, or a path to a scenario file."""
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"}:
        if not candidate.exists():
            raise ScenarioFileError(f"{candidate}: " + say("không có tệp kịch bản này",
                                                           "no such scenario file"))
        return candidate
    path = directory / f"{name}.yaml"
    if not path.exists():
        known = ", ".join(p.stem for p in catalogue_paths(directory))
        raise ScenarioFileError(say(
            f"kịch bản '{name}' không có trong danh mục (đã có: {known})",
            f"scenario '{name}' is not in the catalogue (known: {known})"))
    return path
