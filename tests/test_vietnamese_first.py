"""No English-only message in the source of what ``kyso`` prints to a person (issue 21, item 5).

The static half of "Vietnamese first": :mod:`tests.message_language` reads the source for the
messages a person reads (``print`` arguments, the command line's help texts, raised errors'
texts) and lists those with English words and no Vietnamese. The dynamic half (what the
command line really prints, ``--lang en`` included) is tests/conformance/test_cli_language.py.
"""

from __future__ import annotations

from tests.message_language import PERSON_FACING, ROOT, scan


def test_no_package_kyso_runs_says_anything_in_english_alone() -> None:
    """testbed, conformance (its command line included), scenarios, reports, emulators."""
    assert scan([ROOT / package for package in PERSON_FACING]) == []


def test_the_check_sees_an_english_only_message() -> None:
    """The scan is not blind: an English-only print and an English-first say() are found."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory(dir=ROOT / "tests") as directory:
        source = Path(directory) / "sample.py"
        source.write_text('print("the file was written")\n'
                          'say("the file was written", "the file was written")\n'
                          'print(say("đã ghi tệp", "the file was written"))\n', encoding="utf-8")
        found = scan([source])
    assert len(found) == 2 and "say() with English first" in found[1], found
