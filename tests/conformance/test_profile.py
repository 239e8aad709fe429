"""SUT profiles: the examples load; every broken profile is refused with one line naming the
file and the field; the committed contract schemas match the models."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.sut.contract import SCHEMA_DIR, schema_texts
from conformance.sut.profile import ProfileError, load_profile


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "conformance" / "sut" / "examples"

VALID = """
roles = ["signer", "verifier"]

[sut]
name = "Ví dụ"
vendor = "tests"
version = "1.0"

[capabilities]
pades_levels = ["B-B", "B-LT"]

[adapter]
kind = "cli"

[adapter.cli]
sign = ["tool", "sign", "{input}", "{output}", "--pin-file", "{pin_file}"]
verify = ["tool", "verify", "{input}", "--trust={trust_files}", "--at", "{moment}"]
"""


def _load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sut.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_every_example_profile_loads(name: str) -> None:
    profile = load_profile(EXAMPLES / name)
    assert profile.path == (EXAMPLES / name).resolve()
    assert profile.sha256 is not None and len(profile.sha256) == 64


def test_the_examples_cover_every_adapter_kind_and_a_defective_variant() -> None:
    kinds = {load_profile(path).adapter.kind for path in EXAMPLES.glob("*.toml")}
    assert kinds == {"cli", "batch", "python", "manual", "http", "ws-oneshot", "ws-session",
                     "remote-hash"}
    assert (EXAMPLES / "defective-verifier-cli.toml").exists()


def test_a_valid_profile_keeps_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "sut.toml"
    path.write_text(VALID, encoding="utf-8")
    profile = load_profile(path)
    import hashlib

    assert profile.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert profile.capabilities.pades_levels == ["B-B", "B-LT"]
    assert profile.adapter.cli is not None and profile.adapter.cli.timeout_seconds == 60


@pytest.mark.parametrize(("change", "expected"), [
    (('"{input}", "{output}"', '"{inptu}", "{output}"'),
     "adapter.cli.sign[2]: unknown placeholder {inptu} (known: {input}"),
    (('"--at", "{moment}"', '"--at", "{pin_file}"'),
     "adapter.cli.verify[5]: placeholder {pin_file} is not available here"),
    (('"{input}", "{output}"', '"{input!r}", "{output}"'),
     "adapter.cli.sign[2]: placeholder {input} takes no format or conversion"),
    (('"tool", "verify"', '"tool {", "verify"'),
     "adapter.cli.verify[0]: Single '{' encountered in format string"),
    (('version = "1.0"', 'version = "1.0"\nversoin = "2"'),
     "sut.versoin: unknown key (check the spelling; unknown keys are errors)"),
    (('[sut]\nname = "Ví dụ"\nvendor = "tests"\nversion = "1.0"\n', ''),
     "sut: required table, missing"),
    (('[capabilities]\npades_levels = ["B-B", "B-LT"]\n', ''),
     "capabilities: required table, missing"),
    (('pades_levels = ["B-B", "B-LT"]', 'pades_levels = ["B-B", "B-X"]'),
     "capabilities.pades_levels[1]: 'B-X': Input should be 'B-B', 'B-T', 'B-LT' or 'B-LTA'"),
    (('pades_levels = ["B-B", "B-LT"]', 'pades_levels = []'),
     "capabilities.pades_levels: a signer must declare at least one PAdES level"),
    (('kind = "cli"', 'kind = "gui"'),
     "adapter.kind: 'gui': Input should be 'cli', 'batch', 'python', 'manual', 'http', "
     "'ws-oneshot', 'ws-session' or 'remote-hash'"),
    (('kind = "cli"', 'kind = "http"'),
     "adapter.service: required when adapter.kind = 'http' (a [adapter.service] table)"),
    (('[adapter]', '[interaction]\nmode = "pin"\n[adapter]'),
     "interaction: only for the service kinds (http, ws-oneshot, ws-session, remote-hash); a "
     "'cli' SUT gets the PIN as {pin_file}"),
    (('kind = "cli"', 'kind = "batch"'),
     "adapter.batch: required when adapter.kind = 'batch' (a [adapter.batch] table)"),
    (('verify = ["tool", "verify", "{input}", "--trust={trust_files}", "--at", "{moment}"]', ''),
     "adapter.cli.verify: required, the roles include 'verifier'"),
    (('roles = ["signer", "verifier"]\n', ''), "roles: required, missing"),
    (('roles = ["signer", "verifier"]\n\n[sut]\n', '[sut]\nroles = ["signer"]\n'),
     "sut.roles: unknown key (check the spelling; unknown keys are errors); 'roles' is a "
     "top-level key: in TOML it must come before the first [table]"),
    (('"--trust={trust_files}"', '"--trust={trust_files}{moment}"'),
     "adapter.cli.verify[3]: {trust_files} repeats its argument per file; it cannot share it "
     "with another placeholder"),
])
def test_a_broken_profile_is_refused_with_one_line(tmp_path: Path, change: tuple[str, str],
                                                   expected: str) -> None:
    old, new = change
    assert old in VALID
    message = _load(tmp_path, VALID.replace(old, new, 1))
    assert message.startswith(expected), message


def test_a_bad_regular_expression_names_its_pattern(tmp_path: Path) -> None:
    text = VALID + '\nanswer = "exit-code"\n[adapter.cli.patterns]\nTOTAL-PASSED = "(valid"\n'
    message = _load(tmp_path, text)
    assert message.startswith("adapter.cli.patterns.TOTAL-PASSED: bad regular expression: "
                              "missing ), unterminated subpattern"), message


def test_exit_code_mode_needs_a_way_to_read_the_verdict(tmp_path: Path) -> None:
    message = _load(tmp_path, VALID + '\nanswer = "exit-code"\n')
    assert message == ("adapter.cli.patterns: answer = 'exit-code' needs indication patterns or "
                       "exit codes for the verifier")


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    message = _load(tmp_path, VALID.replace('kind = "cli"', 'kind = cli'))
    assert message.startswith("invalid TOML: "), message
    assert "line" in message


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"sut\.toml: cannot read \(No such file"):
        load_profile(tmp_path / "sut.toml")


def test_committed_contract_schemas_match_the_models() -> None:
    texts = schema_texts()
    committed = {path.name: path.read_text(encoding="utf-8")
                 for path in SCHEMA_DIR.glob("*.schema.json")}
    assert committed == texts, "run: python -m conformance.sut.contract"


# ---- [display.result_phrases]: the vendor's own phrases ---------------------------------------
PHRASES = VALID + """
[display.result_phrases]
signed = ["Hoàn tất"]
not_signed = ["Tác vụ bị dừng"]
intact = ["Nội dung giữ nguyên như lúc ký"]
"""


def test_declared_result_phrases_are_read_first_and_said_to_be_the_vendors(
        tmp_path: Path) -> None:
    from scenarios import SignerAnswer, SignerOutcome, vendor_phrases
    from scenarios.checkpoints import SignExpectation
    from scenarios.judge import judge_signing
    from scenarios.vietnamese import Integrity, classify_integrity, read_signing

    path = tmp_path / "sut.toml"
    path.write_text(PHRASES, encoding="utf-8")
    profile = load_profile(path)
    assert profile.display is not None
    declared = profile.display.result_phrases.declared()
    answer = SignerAnswer(outcome=SignerOutcome.SIGNED, display="Hoàn tất! Tệp: a.pdf")
    expect = SignExpectation(outcome="signed")
    # without the vendor's phrases, "Hoàn tất" tells nothing: the case fails
    assert read_signing("Hoàn tất!") is None
    assert not judge_signing(expect, answer, output_exists=True).passed
    with vendor_phrases(declared):
        judgement = judge_signing(expect, answer, output_exists=True)
        assert classify_integrity("Nội dung giữ nguyên như lúc ký") is Integrity.INTACT
        refused = read_signing("Tác vụ bị dừng: PIN sai")
        assert refused is not None and refused.value is SignerOutcome.REFUSED
    assert judgement.passed and judgement.notes == ()
    assert judgement.info == ("signing result: 'hoàn tất' read with a phrase declared by the "
                              "vendor",)
    assert classify_integrity("Nội dung giữ nguyên như lúc ký") is None  # only while in force


@pytest.mark.parametrize(("table", "message"), [
    ('signed = ["Signed OK"]',
     "display.result_phrases.signed[0]: 'Signed OK' is not Vietnamese written with its "
     "diacritics"),
    ('valid = ["Hop le"]',
     "display.result_phrases.valid[0]: 'Hop le' is not Vietnamese written with its diacritics"),
    ('intact = ["Toàn vẹn", "Unverändert"]',
     "display.result_phrases.intact[1]: 'Unverändert' is not Vietnamese (letters outside its "
     "alphabet: ä)"),
    ('signed = ["Ký số thất bại"]',
     "display.result_phrases.signed[0]: 'Ký số thất bại' reads as refused, but is declared "
     "as signed"),
    ('not_intact = ["Tài liệu toàn vẹn"]',
     "display.result_phrases.not_intact[0]: 'Tài liệu toàn vẹn' reads as intact, but is "
     "declared as not intact"),
    ('signd = ["Hoàn tất"]', "display.result_phrases.signd: unknown key"),
])
def test_declared_phrases_must_be_vietnamese(tmp_path: Path, table: str, message: str) -> None:
    text = VALID + "\n[display.result_phrases]\n" + table + "\n"
    assert _load(tmp_path, text).startswith(message)


def test_a_broken_profile_speaks_vietnamese_first_then_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default line names the file and the field once, then Vietnamese / English."""
    monkeypatch.delenv("KYSO_LANG")
    broken = VALID.replace('verify = ["tool", "verify", "{input}", "--trust={trust_files}", '
                           '"--at", "{moment}"]', "")
    assert _load(tmp_path, broken) == ("adapter.cli.verify: bắt buộc, vì roles có 'verifier' / "
                                       "required, the roles include 'verifier'")
    unknown_key = VALID.replace('version = "1.0"', 'version = "1.0"\nvendr = "x"')
    assert _load(tmp_path, unknown_key) == (
        "sut.vendr: trường không xác định (kiểm tra chính tả; trường không xác định là lỗi) / "
        "unknown key (check the spelling; unknown keys are errors)")


def test_a_broken_profile_in_english_alone_or_vietnamese_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = VALID.replace('kind = "cli"', 'kind = "robot"')
    english = _load(tmp_path, broken)
    assert english.startswith("adapter.kind: 'robot': Input should be "), english
    monkeypatch.setenv("KYSO_LANG", "vi")
    vietnamese = _load(tmp_path, broken)
    assert vietnamese.startswith("adapter.kind: 'robot': phải là một trong 'cli'"), vietnamese
    assert "Input should" not in vietnamese
