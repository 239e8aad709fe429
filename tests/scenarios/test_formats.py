"""The format axis of the scenario files: which formats a story applies to, one line when a
file asks for something a format cannot play, and what each format's variant is made of."""

from __future__ import annotations

import pytest
from lxml import etree

from scenarios import SignatureFormat, find_variant, format_variants
from scenarios.formats import format_document, split_variant_id, tampered_content, variant_id
from scenarios.loader import ScenarioFileError, parse_scenario
from testbed import InvalidInputError

from .test_loader import VALID


def test_a_story_without_formats_is_pades_only_and_keeps_its_id() -> None:
    scenario = parse_scenario(VALID, "sample.yaml")
    assert scenario.formats == [SignatureFormat.PADES]
    assert [played.id for played in format_variants(scenario)] == ["sample"]


def test_each_format_is_a_variant_with_only_its_steps() -> None:
    text = VALID.replace("regimes: [cong-vu]", "regimes: [cong-vu]\nformats: [cms, pades, xades]")
    text = text.replace("    level: B-T\n", "    level: B-T\n    formats: [pades, xades]\n")
    text = text.replace("    input: signed\n", "    input: signed\n    formats: [pades, xades]\n")
    scenario = parse_scenario(text, "sample.yaml")
    variants = {played.id: played for played in format_variants(scenario)}
    assert list(variants) == ["sample", "sample@cms", "sample@xades"]  # PAdES first
    assert len(variants["sample@cms"].timeline) == 1 and not variants["sample@cms"].checkpoints()
    assert len(variants["sample@xades"].checkpoints()) == 1
    assert variants["sample@xades"].formats == [SignatureFormat.XADES]


@pytest.mark.parametrize(("change", "vietnamese", "english"), [
    (("regimes: [cong-vu]", "regimes: [cong-vu]\nformats: [pades, pades]"),
     "mỗi định dạng chỉ được ghi một lần", "each format may be listed once"),
    (("regimes: [cong-vu]", "regimes: [cong-vu]\nformats: [pades, cms]"),
     "định dạng cms không có mức B-T", "format cms has no level B-T"),
    (("regimes: [cong-vu]", "regimes: [cong-vu]\nformats: [pades, pdf]"),
     "giá trị không hợp lệ", "Input should be"),
    (("    level: B-T\n", "    level: B-T\n    formats: [xades]\n"),
     "'xades' không có trong formats của kịch bản", "'xades' is not in the scenario's formats"),
])
def test_a_format_a_story_cannot_play_is_one_bilingual_line_naming_the_field(
        change: tuple[str, str], vietnamese: str, english: str) -> None:
    with pytest.raises(ScenarioFileError) as raised:
        parse_scenario(VALID.replace(*change), "sample.yaml")
    message = str(raised.value)
    assert message.startswith("sample.yaml:") and "formats" in message
    assert message.index(vietnamese) < message.index(" / ") < message.rindex(english)
    assert "\n" not in message


def test_a_step_of_one_format_cannot_feed_a_step_of_another() -> None:
    text = VALID.replace("regimes: [cong-vu]", "regimes: [cong-vu]\nformats: [pades, xades]")
    text = text.replace("    level: B-T\n", "    level: B-T\n    formats: [pades]\n")
    with pytest.raises(ScenarioFileError, match="'signed' không do bước nào trước đó tạo ra"):
        parse_scenario(text, "sample.yaml")


def test_variant_ids() -> None:
    assert variant_id("tampering", SignatureFormat.PADES) == "tampering"
    assert variant_id("tampering", SignatureFormat.CADES) == "tampering@cades"
    assert split_variant_id("tampering@xmldsig") == ("tampering", SignatureFormat.XMLDSIG)
    assert find_variant("happy-path@cms").formats == [SignatureFormat.CMS]
    assert find_variant("happy-path").id == "happy-path"
    with pytest.raises(InvalidInputError, match="không biết định dạng 'pdf'"):
        find_variant("happy-path@pdf")
    with pytest.raises(InvalidInputError, match="không áp dụng cho định dạng"):
        find_variant("pdf-attacks@xades")


@pytest.mark.parametrize("fmt", [SignatureFormat.XADES, SignatureFormat.XMLDSIG])
@pytest.mark.parametrize("kind", ["byte-flip", "content-update"])
def test_xml_tampering_changes_one_signed_text_node(fmt: SignatureFormat, kind: str) -> None:
    original = format_document(fmt)
    changed = tampered_content(fmt, kind, original)
    before = [e.text for e in etree.fromstring(original).iter() if isinstance(e.tag, str)]
    after = [e.text for e in etree.fromstring(changed).iter() if isinstance(e.tag, str)]
    assert len(before) == len(after)
    assert sum(1 for a, b in zip(before, after, strict=True) if a != b) == 1


@pytest.mark.parametrize("kind", ["byte-flip", "content-update"])
def test_detached_content_tampering_changes_the_file(kind: str) -> None:
    original = format_document(SignatureFormat.CADES)
    assert original.startswith(b"PK")  # a .docx
    assert tampered_content(SignatureFormat.CADES, kind, original) != original
