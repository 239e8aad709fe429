"""Scenario files: the schema stays in step with the model; broken files get one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.loader import ScenarioFileError, catalogue_paths, load_scenario, parse_scenario
from scenarios.schema import SCHEMA_PATH, schema_text

VALID = """\
id: sample
title: {vi: "Mẫu", en: "Sample"}
description: {vi: "Mẫu", en: "Sample"}
regimes: [cong-vu]
actors:
  officer:
    name: {common_name: "Nguyễn Văn An"}
documents:
  decision: {}
timeline:
  - do: issue
    actor: officer
  - do: sign
    at: +1d
    actor: officer
    document: decision
    output: signed
    level: B-T
  - do: verify
    at: +2d
    input: signed
    expect: {indication: TOTAL-PASSED}
    checkpoint:
      id: valid-b-t
      requirements: [TT15-6.1.c]
      why: {vi: "Chữ ký hợp lệ", en: "A valid signature"}
"""


def test_committed_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), \
        "run: python -m scenarios.schema"


def test_every_catalogue_file_loads() -> None:
    for path in catalogue_paths():
        assert load_scenario(path).id == path.stem


def test_a_valid_scenario_parses() -> None:
    scenario = parse_scenario(VALID, "sample.yaml")
    assert [step.do for step in scenario.timeline] == ["issue", "sign", "verify"]
    assert scenario.checkpoints()[0][1].checkpoint.id == "valid-b-t"
    assert scenario.service_key == "rsa2048"


def test_a_scenario_may_choose_the_service_key() -> None:
    text = VALID.replace("regimes: [cong-vu]\n", "regimes: [cong-vu]\nservice_key: p256\n")
    assert parse_scenario(text, "sample.yaml").service_key == "p256"
    with pytest.raises(ScenarioFileError, match="service_key"):
        parse_scenario(text.replace("p256", "rsa4096"), "sample.yaml")


BROKEN = [
    (VALID.replace("level: B-T", "level: B-X"), "sample.yaml:18: timeline[1].level:"),
    (VALID.replace("actor: officer\n  - do: sign", "actor: officr\n  - do: sign"),
     "sample.yaml:12: timeline[0].actor: 'officr' is not one of the actors"),
    (VALID.replace("level: B-T", "level: B-T\n    colour: red"),
     "sample.yaml:19: timeline[1].colour: unknown key"),
    (VALID.replace("at: +1d", "at: yesterday"), "sample.yaml:14: timeline[1].at: 'yesterday'"),
    (VALID.replace("level: B-T", "level: [B-T"), "sample.yaml:19: YAML syntax error"),
    (VALID.replace("input: signed", "input: unsigned"),
     "sample.yaml:21: timeline[2].input: 'unsigned' is not produced by an earlier step"),
    (VALID.replace("at: +2d", "at: +1h"), "timeline[2].at: '+1h' is before the previous step"),
    (VALID.replace("TT15-6.1.c", "Article 6"), "'Article 6' is not a requirement ID"),
    (VALID.replace("id: valid-b-t", "id: Valid B T"), "'Valid B T' is not kebab-case"),
    (VALID.replace("regimes: [cong-vu]\n", ""), "sample.yaml"),
    (VALID.replace("do: verify", "do: validate"), "timeline[2]"),
    ("- just\n- a list\n", "sample.yaml:1: a scenario file is a mapping"),
    ("", "sample.yaml:1: a scenario file is a mapping"),
    (VALID.replace('{vi: "Mẫu", en: "Sample"}\ndescription', '{vi: "Mẫu"}\ndescription'),
     "title.en: required, missing"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_broken_files_get_one_line_naming_file_line_and_field(
        text: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KYSO_LANG", "en")  # English alone: the location, then the problem
    with pytest.raises(ScenarioFileError) as raised:
        parse_scenario(text, "sample.yaml")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(("text", "vietnamese", "english"), [
    (VALID.replace("actor: officer\n  - do: sign", "actor: officr\n  - do: sign"),
     "'officr' không phải một trong các actor", "'officr' is not one of the actors"),
    (VALID.replace("level: B-T", "level: B-T\n    colour: red"),
     "trường không xác định", "unknown key"),
    (VALID.replace("level: B-T", "level: [B-T"), "lỗi cú pháp YAML", "YAML syntax error"),
    (VALID.replace("level: B-T", "level: B-X"), "giá trị không hợp lệ", "Input should be"),
    ("", "tệp kịch bản phải là một ánh xạ", "a scenario file is a mapping"),
])
def test_broken_files_say_the_problem_in_vietnamese_first(text: str, vietnamese: str,
                                                          english: str) -> None:
    """The location once, then the problem in Vietnamese, a slash, the problem in English."""
    with pytest.raises(ScenarioFileError) as raised:
        parse_scenario(text, "sample.yaml")
    message = str(raised.value)
    assert message.startswith("sample.yaml:")
    assert message.index(vietnamese) < message.index(" / ") < message.rindex(english)
    assert "\n" not in message


def test_file_name_must_match_id(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(VALID, encoding="utf-8")
    with pytest.raises(ScenarioFileError, match="phải trùng với tên tệp .* must equal the file"):
        load_scenario(path)
    with pytest.raises(ScenarioFileError, match="không đọc được .* cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ScenarioFileError):
        load_scenario(tmp_path / "binary.yaml")


_yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "do", "at", "actor", "timeline", "expect",
                                       "title", "vi", "en", "level", "input", "output"])
                      | st.text(max_size=6), children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_yaml_values)
def test_fuzzed_documents_never_crash_the_loader(value: object) -> None:
    text = yaml.safe_dump(value, allow_unicode=True)
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioFileError as error:
        assert str(error).startswith("fuzz.yaml")
        assert "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(max_size=3))
def test_mutated_valid_files_never_crash_the_loader(position: int, insertion: str) -> None:
    text = VALID[:position] + insertion + VALID[position + 1:]
    try:
        parse_scenario(text, "mutated.yaml")
    except ScenarioFileError as error:
        assert "\n" not in str(error)
