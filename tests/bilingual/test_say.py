"""The language a person reads: Vietnamese first by default, either alone on request, and a
message that keeps both halves for machine files whatever was chosen."""

from __future__ import annotations

import pickle

import pytest

from bilingual import ENVIRONMENT_VARIABLE, Language, choose, current, halves, say


@pytest.fixture(autouse=True)
def _own_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)


def test_vietnamese_first_by_default() -> None:
    assert current() is Language.BOTH
    assert say("đã ký", "signed") == "đã ký / signed"


@pytest.mark.parametrize(("language", "expected"), [("en", "signed"), ("vi", "đã ký")])
def test_either_language_alone(monkeypatch: pytest.MonkeyPatch, language: str,
                               expected: str) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, language)
    assert say("đã ký", "signed") == expected


def test_an_unknown_choice_in_the_environment_falls_back_to_both(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "fr")
    assert say("đã ký", "signed") == "đã ký / signed"


def test_choose_reaches_child_processes_through_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    choose("en")
    assert os.environ[ENVIRONMENT_VARIABLE] == "en"
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)


def test_halves_survive_an_english_only_run_an_exception_and_a_process_boundary(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "en")
    error = ValueError(say("không đọc được", "cannot read"))
    assert str(error) == "cannot read"
    crossed = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes, as --jobs does)
    assert halves(crossed) == ("không đọc được", "cannot read")
    assert halves("plain text") is None
    assert halves(say("a", "b") + " more") is None  # a new string no longer knows its halves
