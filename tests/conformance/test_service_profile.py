"""Service profiles (``http``, ``ws-oneshot``, ``ws-session``, ``remote-hash``): a valid one loads,
and every mistake is refused before a run with one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.sut.profile import ProfileError, load_profile, parse_profile
from conformance.sut.service_profile import field_reference


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin kyso's English wording (KYSO_LANG=en, English alone); the default
    rendering, Vietnamese first, is checked where it says so."""
    monkeypatch.setenv("KYSO_LANG", "en")

CONTRACT = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "CONTRACT.md"

VALID = """
roles = ["signer", "verifier"]

[sut]
name = "Plugin ký số"
vendor = "tests"
version = "1.0"

[capabilities]
pades_levels = ["B-B", "B-LT"]

[interaction]
mode = "pin"

[adapter]
kind = "http"

[adapter.service]
base_url = "http://127.0.0.1:8711"

[[adapter.service.setup]]
name = "login"
path = "/session"
body = {user = "kyso"}
reply = {save = {session = "$.data.session"}}

[[adapter.service.sign]]
name = "sign"
path = "/api/v1/sign/pdf"
encoding = "form"
headers = {X-Session = "{saved.session}"}
[adapter.service.sign.body.request."$base64-json"]
FileData = "{input_base64}"
Pin = "{pin}"
TrustFiles = "{trust_files}"
[adapter.service.sign.reply]
code = "$.code"
message = "$.message"
output = "$.data.signedData | base64"
output_from = "inline-base64"
results = {signed = ["0"], refused = ["1", "2"]}

[[adapter.service.verify]]
name = "verify"
path = "/api/v1/verify/pdf"
body = {FileData = "{input_base64}", Moment = "{moment}"}
[adapter.service.verify.reply]
signatures = "$.data.signatures[*]"
indications = {TOTAL-PASSED = ["0"], TOTAL-FAILED = ["1"], INDETERMINATE = ["2"]}
[adapter.service.verify.reply.signature]
indication = "$.result"
display = {result = "$.message", issuer = "$.fields.issuer"}
"""


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sut.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    return message.removeprefix(f"{path}: ")


def test_the_valid_service_profile_loads() -> None:
    profile = parse_profile(VALID)
    assert profile.adapter.kind == "http" and profile.interaction is not None
    assert profile.adapter.service is not None
    assert profile.adapter.service.timeout_seconds == 120


@pytest.mark.parametrize(("change", "expected"), [
    # selectors
    (('"$.data.signedData | base64"', '"$.data.signedData | b64"'),
     "adapter.service.sign[0].reply.output: bad selector '$.data.signedData | b64': unknown "
     "decoder 'b64' (known: base64, json, base64-json, text, int)"),
    (('indication = "$.result"', 'indication = "$result"'),
     "adapter.service.verify[0].reply.signature.indication: bad selector '$result'"),
    (('"$.data.signatures[*]"', '"$.data.signatures[*"'),
     "adapter.service.verify[0].reply.signatures: bad selector '$.data.signatures[*': "
     "unexpected '[*'"),
    (('code = "$.code"', 'code = "$.code[*]"'),
     "adapter.service.sign[0].reply.code: [*] is only allowed where a list is expected"),
    (('issuer = "$.fields.issuer"', 'issur = "$.fields.issuer"'),
     "adapter.service.verify[0].reply.signature.display: unknown display field 'issur'"),
    (('session = "$.data.session"', 'session = "data.session"'),
     "adapter.service.setup[0].reply.save: 'session': bad selector 'data.session': it must "
     "start with '$'"),
    # placeholders
    (('"{input_base64}"\nPin', '"{input_bas64}"\nPin'),
     "adapter.service.sign[0].body.request.$base64-json.FileData: unknown placeholder "
     "{input_bas64} (known: {input_base64}"),
    (('Moment = "{moment}"}', 'Moment = "{moment}", Pin = "{pin}"}'),
     "adapter.service.verify[0].body.Pin: placeholder {pin} is not available in verify steps"),
    (('Moment = "{moment}"}', 'Moment = "{moment}", Up = "{upload_url}"}'),
     "adapter.service.verify[0].body.Up: placeholder {upload_url} is not available in verify"),
    (('mode = "pin"', 'mode = "none"'),
     "adapter.service.sign[0].body.request.$base64-json.Pin: {pin} needs interaction.mode = "
     "'pin'"),
    (('"{saved.session}"', '"{saved.token}"'),
     "adapter.service.sign[0].headers.X-Session: {saved.token} is not saved by an earlier "
     "step (reply.save of setup or of an earlier step; saved: session)"),
    (('TrustFiles = "{trust_files}"', 'TrustFiles = "--trust={trust_files}"'),
     "adapter.service.sign[0].body.request.$base64-json.TrustFiles: {trust_files} is a list: "
     "it must be a whole string"),
    (('path = "/api/v1/sign/pdf"', 'path = "/sign/{case_id!r}"'),
     "adapter.service.sign[0].path: placeholder {case_id} takes no format or conversion"),
    (('."$base64-json"]', '."$base64json"]'),
     "adapter.service.sign[0].body.request: unknown transform '$base64json'"),
    # the interaction block
    (('[interaction]\nmode = "pin"\n', ''),
     "interaction: required table, missing: adapter.kind = 'http' needs [interaction] with "
     "mode = none | pin | driver | human"),
    (('mode = "pin"', 'mode = "driver"'),
     "interaction.driver: required when mode = 'driver'"),
    (('mode = "pin"', 'mode = "robot"'),
     "interaction.mode: 'robot': Input should be 'none', 'pin', 'driver' or 'human'"),
    (('mode = "pin"', 'mode = "pin"\nprompt_vi = "Nhập PIN"'),
     "interaction.prompt_vi: only for mode = 'human'"),
    # transport and TLS
    (('base_url = "http://127.0.0.1:8711"', 'base_url = "https://127.0.0.1:8711"'),
     "adapter.service.tls: required for https:// (pinned_certificate = the service's "
     "certificate, PEM)"),
    (('base_url = "http://127.0.0.1:8711"',
      'base_url = "https://127.0.0.1:8711"\ntls = {pinned_certificate = "s.pem", '
      'min_version = "TLSv1.1"}'),
     "adapter.service.tls.min_version: 'TLSv1.1' is below TLSv1.2 (TT15 Annex I "
     "Part 2 asks TLS 1.2 at least)"),
    (('base_url = "http://127.0.0.1:8711"', 'base_url = "ws://127.0.0.1:8711"'),
     "adapter.service.base_url: adapter.kind = 'http' needs a http:// or https:// URL"),
    (('base_url = "http://127.0.0.1:8711"', 'base_url = "127.0.0.1:8711"'),
     "adapter.service.base_url: '127.0.0.1:8711' is not an http(s):// or ws(s):// URL"),
    # steps and replies
    (('output_from = "inline-base64"', 'ouput_from = "inline-base64"'),
     "adapter.service.sign[0].reply.ouput_from: unknown key (check the spelling"),
    (('results = {signed = ["0"], refused = ["1", "2"]}', ''),
     "adapter.service.sign[0].reply.results: required with reply.code"),
    (('signatures = "$.data.signatures[*]"\n', ''),
     "adapter.service.verify[0].reply.signatures: required in a verify step"),
    (('output_from = "inline-base64"', 'output_from = "upload"'),
     "adapter.service.sign: output_from = 'upload' but no step sends {upload_url}"),
    (('path = "/api/v1/sign/pdf"', 'path = "/api/v1/sign/pdf"\nurl = "http://x/sign"'),
     "adapter.service.sign[0]: give exactly one of path (appended to base_url) or url"),
    (('encoding = "form"', 'encoding = "form"\nmethod = "PATCH"'),
     "adapter.service.sign[0].method: 'PATCH': Input should be 'GET', 'POST' or 'PUT'"),
    (('body = {FileData = "{input_base64}", Moment = "{moment}"}', 'body = ["{input_base64}"]'
      '\nencoding = "form"'),
     "adapter.service.verify[0].body: encoding = 'form' needs a table of fields"),
    (('roles = ["signer", "verifier"]', 'roles = ["signer"]'), None),
])
def test_a_broken_service_profile_is_refused_with_one_line(
        tmp_path: Path, change: tuple[str, str], expected: str | None) -> None:
    old, new = change
    assert old in VALID
    text = VALID.replace(old, new, 1)
    if expected is None:  # a harmless change: still loads
        (tmp_path / "sut.toml").write_text(text, encoding="utf-8")
        load_profile(tmp_path / "sut.toml")
        return
    message = _refused(tmp_path, text)
    assert message.startswith(expected), message


def test_kind_specific_requirements(tmp_path: Path) -> None:
    websocket = VALID.replace('kind = "http"', 'kind = "ws-session"').replace(
        "http://127.0.0.1:8711", "ws://127.0.0.1:8713").replace('encoding = "form"\n', "")
    assert _refused(tmp_path, websocket).startswith(
        "adapter.service.correlate: required for ws-session (e.g. correlate = '$.id')")
    websocket = websocket.replace('base_url = "ws://127.0.0.1:8713"',
                                  'base_url = "ws://127.0.0.1:8713"\ncorrelate = "$.id"')
    assert _refused(tmp_path, websocket).startswith("adapter.service.final: required for "
                                                    "ws-session")
    with_final = websocket.replace('correlate = "$.id"', 'correlate = "$.id"\nfinal = '
                                   '{selector = "$.type", in = ["result"]}')
    assert _refused(tmp_path, with_final.replace('path = "/session"',
                                                 'path = "/session"\nmethod = "GET"')) \
        .startswith("adapter.service.setup[0].method: only for http kinds")
    remote = VALID.replace('kind = "http"', 'kind = "remote-hash"')
    assert _refused(tmp_path, remote) == ("roles: a remote-hash service signs a digest: roles = "
                                          "['signer'] only")
    remote = remote.replace('roles = ["signer", "verifier"]', 'roles = ["signer"]')
    assert _refused(tmp_path, remote).startswith("adapter.service.certificate: required for "
                                                 "remote-hash")


def test_the_pinned_certificate_must_exist_and_be_pem(tmp_path: Path) -> None:
    text = VALID.replace('base_url = "http://127.0.0.1:8711"',
                         'base_url = "https://127.0.0.1:8711"\n'
                         'tls = {pinned_certificate = "service.pem"}')
    assert _refused(tmp_path, text).startswith(
        "adapter.service.tls.pinned_certificate: cannot read "
        f"{tmp_path / 'service.pem'} (No such file or directory)")
    (tmp_path / "service.pem").write_text("not a certificate")
    assert _refused(tmp_path, text) == (f"adapter.service.tls.pinned_certificate: "
                                        f"{tmp_path / 'service.pem'} is not a PEM certificate")


def test_contract_md_carries_the_generated_field_reference() -> None:
    text = CONTRACT.read_text(encoding="utf-8")
    start = "<!-- service fields: generated by field_reference(), do not edit -->\n"
    end = "<!-- end of generated service fields -->"
    assert start in text and end in text
    assert text.split(start, 1)[1].split(end, 1)[0] == field_reference(), \
        "paste conformance.sut.service_profile.field_reference() into CONTRACT.md"
