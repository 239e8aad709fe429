"""The report's isolation line in Vietnamese says everything the runner's record says (the
record itself stays English: JSON readers match it), not a summary that drops strace and the
profile's extra readable paths, and no English phrase is left in the Vietnamese half."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.run_isolation import NOT_STARTED_BY_KYSO
from conformance.sut.isolation import IsolationSettings, describe
from reports.vocabulary import isolation_words

RECORDS = [
    describe(IsolationSettings(trace=True, extra_read_only=(Path("/opt/vendor"),))),
    describe(IsolationSettings(trace=False)),
    describe(IsolationSettings(enabled=False, reason_off="--no-isolation")),
    describe(IsolationSettings(enabled=False, reason_off=(
        "bubblewrap is not installed (Debian package 'bubblewrap'; `make test` and "
        "`make demo` install it)"))),
    "none: the python adapter runs in kyso's own process (in_process = true: trusted code only)",
    *(f"not applicable: {why}" for why in sorted(set(NOT_STARTED_BY_KYSO.values()))),
]
ENGLISH = re.compile(r"\b(own|user|namespaces?|system|files?|traced?|readable|profile|"
                     r"process|runs|person|service|tester|installed|none|not)\b")


@pytest.mark.parametrize("record", RECORDS)
def test_the_vietnamese_half_leaves_no_english_phrase(record: str) -> None:
    words = isolation_words(record)
    assert record in words.en
    assert not ENGLISH.findall(words.vi.replace("--no-isolation", "").replace(
        "read_only_paths", "").replace("in_process", "")), words.vi


def test_the_details_reach_the_vietnamese_reader() -> None:
    words = isolation_words(RECORDS[0])
    assert "/opt/vendor" in words.vi and "strace" in words.vi
    assert words.vi.startswith("hộp cát bubblewrap")
    assert "không ghi vết" in isolation_words(RECORDS[1]).vi
    assert isolation_words(RECORDS[2]).vi.startswith("KHÔNG cô lập")
