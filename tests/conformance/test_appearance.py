"""The ToUnicode CMap decoder and the appearance-text reader behind the ND30 Annex I check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.reference.appearance import (
    UNREADABLE,
    AppearanceError,
    parse_to_unicode,
    shows,
)

HEADER = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS2) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS2 def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
"""
FOOTER = b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"


def _cmap(body: bytes, header: bytes = HEADER) -> bytes:
    return header + body + FOOTER


def test_bfchar_and_both_bfrange_forms() -> None:
    cmap = parse_to_unicode(_cmap(b"""2 beginbfchar
<0003> <0020>
<09dd> <1edf>
endbfchar
2 beginbfrange
<0044> <0046> <0061>
<0051> <0052> [<006e> <1ed9>]
endbfrange
"""))
    # "a b c" from the incrementing range, "n ộ" from the array, "ở" from bfchar
    assert cmap.decode(bytes.fromhex("0044000300450046") + bytes.fromhex("0051005209dd")) == \
        "a bcnộở"


def test_destinations_beyond_one_character_and_unmapped_codes() -> None:
    cmap = parse_to_unicode(_cmap(b"""3 beginbfchar
<0001> <D83DDE00>
<0002> <00660069>
<0003> <0020>
endbfchar
"""))
    assert cmap.decode(bytes.fromhex("0001000200030777")) == "\U0001F600fi " + UNREADABLE


def test_mixed_code_lengths_follow_the_code_space_ranges() -> None:
    header = HEADER.replace(b"1 begincodespacerange\n<0000> <FFFF>",
                            b"2 begincodespacerange\n<00> <7F>\n<8000> <FFFF>")
    cmap = parse_to_unicode(_cmap(b"""2 beginbfchar
<41> <0041>
<8141> <0110>
endbfchar
""", header))
    assert cmap.decode(b"A\x81AA") == "AĐA"


def test_a_range_counts_up_its_last_byte_only() -> None:
    cmap = parse_to_unicode(_cmap(b"1 beginbfrange\n<0010> <0011> <01fe>\nendbfrange\n"))
    assert cmap.decode(bytes.fromhex("00100011")) == "\u01fe\u01ff"
    with pytest.raises(AppearanceError, match="overflows"):
        parse_to_unicode(_cmap(b"1 beginbfrange\n<0010> <0012> <01fe>\nendbfrange\n"))


@pytest.mark.parametrize(("body", "message"), [
    (b"1 beginbfrange\n<0010> <0012> [<0041> <0042>]\nendbfrange\n", "wrong length|hex"),
    (b"1 beginbfrange\n<0012> <0010> <0041>\nendbfrange\n", "do not match"),
    (b"1 beginbfrange\n<000000> <ffffff> <0041>\nendbfrange\n", "too many codes"),
    (b"1 beginbfchar\n<0010> (A)\nendbfchar\n", "hex string"),
    (b"1 beginbfchar\n<0010>", "ends inside a block"),
])
def test_broken_cmaps_are_refused_with_a_reason(body: bytes, message: str) -> None:
    with pytest.raises(AppearanceError, match=message):
        parse_to_unicode(_cmap(body) if b"endbfchar" in body or b"endbfrange" in body
                         else HEADER + body)


@given(st.dictionaries(st.integers(min_value=1, max_value=0xFFFF),
                       st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60),
       st.data())
def test_any_bfchar_map_decodes_what_it_encodes(mapping: dict[int, str],
                                                data: st.DataObject) -> None:
    lines = b"".join(f"<{code:04x}> <{char.encode('utf-16-be').hex()}>\n".encode()
                     for code, char in mapping.items())
    cmap = parse_to_unicode(_cmap(f"{len(mapping)} beginbfchar\n".encode() + lines
                                  + b"endbfchar\n"))
    codes = data.draw(st.lists(st.sampled_from(sorted(mapping)), max_size=30))
    shown = b"".join(code.to_bytes(2, "big") for code in codes)
    assert cmap.decode(shown) == "".join(mapping[code] for code in codes)


def test_shows_ignores_line_breaks_and_missing_space_glyphs() -> None:
    text = "Ký bởi: TEST Sở Tư pháp\ntỉnh Quảng Trị\nThời gian ký: 2026-11-22T09:00:00+07:00"
    assert shows(text, "TEST Sở Tư pháp tỉnh Quảng Trị")
    assert shows("SởTưpháptỉnhQuảngTrị", "Sở Tư pháp tỉnh Quảng Trị")
    # decomposed marks read the same as precomposed letters
    assert shows("So\u031b\u0309 Tu\u031b pha\u0301p", "Sở Tư pháp")
    assert not shows(text, "Sở Tư pháp tỉnh Quảng Bình")
