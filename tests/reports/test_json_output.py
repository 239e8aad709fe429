"""results.json: written atomically, valid against the committed schema, read back unchanged.

jsonschema is not a dependency of kyso, so the committed schema is checked by a small
validator of exactly the keywords it uses (a new keyword fails the test, asking for more)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from reports.errors import ReportWriteError
from reports.json_output import write_atomically, write_results
from reports.results import SCHEMA_PATH, Results, load_results

_ANNOTATIONS = {"title", "description", "default", "$id", "$schema", "$defs", "examples"}
_TYPES: dict[str, Any] = {"object": dict, "array": list, "string": str, "boolean": bool,
                          "null": type(None)}


def _validate(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> None:
    unknown = set(schema) - _ANNOTATIONS - {
        "$ref", "type", "properties", "required", "additionalProperties", "items", "enum",
        "const", "anyOf", "propertyNames", "format"}
    assert not unknown, f"the schema uses {unknown}: teach this validator"
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        _validate(instance, root["$defs"][name], root, where)
    if "anyOf" in schema:
        errors = []
        for option in schema["anyOf"]:
            try:
                _validate(instance, option, root, where)
                break
            except AssertionError as error:
                errors.append(str(error))
        else:
            raise AssertionError(f"{where}: matches no option: {errors}")
    kind = schema.get("type")
    if kind == "number":
        assert isinstance(instance, int | float) and not isinstance(instance, bool), where
    elif kind == "integer":
        assert isinstance(instance, int) and not isinstance(instance, bool), where
    elif kind:
        assert isinstance(instance, _TYPES[kind]), f"{where}: not {kind}"
    if "enum" in schema:
        assert instance in schema["enum"], f"{where}: {instance!r} not in {schema['enum']}"
    if "const" in schema:
        assert instance == schema["const"], where
    if schema.get("format") == "date-time":
        datetime.fromisoformat(instance)
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            assert name in instance, f"{where}: {name} missing"
        for name, value in instance.items():
            if "propertyNames" in schema:
                _validate(name, schema["propertyNames"], root, f"{where}.<key {name}>")
            if name in properties:
                _validate(value, properties[name], root, f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                raise AssertionError(f"{where}: unknown key {name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                _validate(value, schema["additionalProperties"], root, f"{where}.{name}")
    if isinstance(instance, list) and "items" in schema:
        for index, item in enumerate(instance):
            _validate(item, schema["items"], root, f"{where}[{index}]")


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_a_written_results_file_validates_against_the_committed_schema(
        results: Results, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(results, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    schema = _schema()
    _validate(document, schema, schema, "results")
    reloaded = load_results(path)
    assert [case.id for case in reloaded.cases] == [case.id for case in results.cases]
    assert reloaded.run == results.run and reloaded.summary == results.summary


def test_the_validator_rejects_what_the_schema_forbids(results: Results) -> None:
    schema = _schema()
    document = json.loads(results.model_dump_json())
    document["cases"][0]["verdict"] = "MAYBE"
    with pytest.raises(AssertionError, match="MAYBE"):
        _validate(document, schema, schema, "results")
    document = json.loads(results.model_dump_json())
    document["run"]["pin"] = "1234"
    with pytest.raises(AssertionError, match="unknown key pin"):
        _validate(document, schema, schema, "results")


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    path.write_text("old", encoding="utf-8")

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ReportWriteError, match="results.json: cannot write"):
        write_atomically(path, b"new")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
