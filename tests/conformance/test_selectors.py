"""Reply selectors: the grammar (syntax errors say where), evaluation (a miss says what was
there), decoders; hypothesis checks that rendering and parsing are inverse and that no text
crashes the parser with anything but a SelectorSyntaxError."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.sut.service.selectors import (
    QuotedKey,
    SelectorDecodeError,
    SelectorMiss,
    SelectorSyntaxError,
    parse_selector,
    render_selector,
)


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")

REPLY = {"code": 0, "message": "Đã ký", "data": {
    "signedData": base64.b64encode(b"%PDF-1.7 ...").decode(),
    "inner": base64.b64encode(json.dumps({"a": [1, 2]}).encode()).decode(),
    "signatures": [{"fieldName": "ChuKy1", "result": "0"}, {"fieldName": "ChuKy2",
                                                            "result": 2}],
    "odd key": {"*": "star", "a|b": "pipe"}}}


@pytest.mark.parametrize(("text", "value"), [
    ("$", REPLY),
    ("$.code", 0),
    ('$["message"]', "Đã ký"),
    ("$.data.signedData | base64", b"%PDF-1.7 ..."),
    ("$.data.inner | base64-json", {"a": [1, 2]}),
    ("$.data.inner|base64|json", {"a": [1, 2]}),
    ("$.data.inner | base64 | text", json.dumps({"a": [1, 2]})),
    ("$.data.signatures[1].fieldName", "ChuKy2"),
    ("$.data.signatures[-1].result", 2),
    ("$.data.signatures[*].fieldName", ["ChuKy1", "ChuKy2"]),
    ("$.data.signatures[*].result | int", [0, 2]),
    ('$.data["odd key"]["*"]', "star"),
    ('$.data["odd key"]["a|b"] | text', "pipe"),
])
def test_selectors_find_and_decode(text: str, value: Any) -> None:
    assert parse_selector(text).evaluate(REPLY) == value


@pytest.mark.parametrize(("text", "message"), [
    ("$.data.x", "selector $.data.x matched nothing (no x in $.data); keys here: signedData, "
                 "inner, signatures, odd key"),
    ("$.data.signatures[5]", "selector $.data.signatures[5] matched nothing (no [5] in "
                             "$.data.signatures); a list of 2 item(s) here"),
    ("$.code.x", "selector $.code.x matched nothing (no x in $.code); the number 0 here"),
    ("$.message[*]", "selector $.message[*] matched nothing ($.message is not a list); a text "
                     "of 5 character(s) here"),
    ("$.data.signatures[*].missing", "selector $.data.signatures[*].missing matched nothing "
                                     "(no missing in $.data.signatures[0]); keys here: "
                                     "fieldName, result"),
])
def test_a_miss_says_where_it_stopped_and_what_was_there(text: str, message: str) -> None:
    with pytest.raises(SelectorMiss) as caught:
        parse_selector(text).evaluate(REPLY)
    assert str(caught.value) == message


@pytest.mark.parametrize(("text", "message"), [
    ("$.message | base64", "selector $.message | base64: decoder base64: "),
    ("$.message | int", "selector $.message | int: decoder int: invalid literal"),
    ("$.data.signedData | json", "selector $.data.signedData | json: decoder json: "),
])
def test_a_decoder_that_cannot_decode_says_so(text: str, message: str) -> None:
    with pytest.raises(SelectorDecodeError, match="^" + message.replace("|", r"\|")
                       .replace("$", r"\$")):
        parse_selector(text).evaluate(REPLY)


@pytest.mark.parametrize(("text", "message"), [
    ("data.code", "must start with '$'"),
    ("$.", "after '.' at position 1 a name is expected"),
    ("$..code", "after '.' at position 1 a name is expected"),
    ("$.code | b64", "unknown decoder 'b64' (known: base64, json, base64-json, text, int)"),
    ("$.code |", "unknown decoder ''"),
    ("$.a[x]", "unexpected '[x]' at position 3"),
    ('$.a["unterminated]', "unexpected '[\"untermin' at position 3"),
    ("$.a[*].b[*]", "at most one [*]"),
    ("$ .a", "unexpected ' .a' at position 1"),
])
def test_syntax_errors_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(SelectorSyntaxError) as caught:
        parse_selector(text)
    assert message in str(caught.value)
    assert repr(text.strip()) in str(caught.value) or "must start" in str(caught.value)


# ---- properties ---------------------------------------------------------------------------------
_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True)
_keys = st.text(min_size=0, max_size=8).map(QuotedKey)
_segments = st.lists(st.one_of(_names, _keys, st.integers(-5, 50)), max_size=6)
_decoders = st.lists(st.sampled_from(["base64", "json", "base64-json", "text", "int"]),
                     max_size=3)


@given(_segments, st.booleans(), _decoders)
def test_render_and_parse_are_inverse(segments: list[Any], wildcard: bool,
                                      decoders: list[str]) -> None:
    if wildcard:
        segments = [*segments[:1], "*", *segments[1:]]
    text = render_selector(tuple(segments), tuple(decoders))
    parsed = parse_selector(text)
    assert list(parsed.segments) == segments
    assert list(parsed.decoders) == decoders
    assert render_selector(parsed.segments, parsed.decoders) == text


@given(st.text(max_size=40))
def test_no_text_crashes_the_parser(text: str) -> None:
    with contextlib.suppress(SelectorSyntaxError):  # the only exception it may raise
        parse_selector(text)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda children: st.lists(children, max_size=3)
                    | st.dictionaries(st.text(max_size=4), children, max_size=3),
                    max_leaves=12),
       _segments)
def test_evaluation_finds_a_value_or_misses(document: Any, segments: list[Any]) -> None:
    selector = parse_selector(render_selector(tuple(segments)))
    try:
        selector.evaluate(document)
    except SelectorMiss as miss:
        assert str(miss).startswith(f"selector {selector} matched nothing")
