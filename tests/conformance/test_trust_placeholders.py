"""The trust-store placeholders of the ``cli`` and ``batch`` adapters: a profile naming them is
accepted and each renders to the form it names; an unknown one is refused with one line; poppler's
``pdfsig`` driven through the cli adapter with ``sql:{trust_nss_db}`` trusts what the case's
anchors make trusted, and nothing else; a batch command gets the forms of its cases' anchors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.sut.contract import SutUnsupported
from conformance.sut.placeholders import TRUST_FORM_PLACEHOLDERS
from conformance.sut.process.batch import run_batch
from conformance.sut.process.calls import expand, trust_form_values
from conformance.sut.process.cli import CliSut
from conformance.sut.profile import ProfileError, parse_profile
from scenarios.outcomes import Indication
from scenarios.roles import VerifyRequest
from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.fixture_signing import sign_fixture
from testbed.session import Testbed

pytestmark = pytest.mark.skipif(shutil.which("certutil") is None,
                                reason="certutil (Debian libnss3-tools) needed")

PDFSIG_PROFILE = """
roles = ["verifier"]

[sut]
name = "poppler pdfsig"
vendor = "poppler"
version = "system"

[capabilities]

[adapter]
kind = "cli"
# pdfsig judges OCSP by its clock: run it at the case's instant, not at the wall clock a long
# session has moved past the session testbed's pinned one (an old OCSP answer reads "Unknown
# issue with Certificate")
clock = "faketime"

[adapter.cli]
verify = ["pdfsig", "-nssdir", "sql:{trust_nss_db}", "{input}"]
answer = "exit-code"

[adapter.cli.patterns]
TOTAL-PASSED = 'Certificate Validation: Certificate is Trusted'
INDETERMINATE = "Certificate Validation: Certificate issuer isn't Trusted"
TOTAL-FAILED = 'Signature Validation: Signature is Invalid'
"""


def _profile(verify: str, kind: str = "cli") -> str:
    adapter = (f"[adapter.cli]\nverify = {verify}\n" if kind == "cli"
               else f"[adapter.batch]\ncommand = {verify}\n")
    return (f'roles = ["verifier"]\n[sut]\nname = "x"\nvendor = "x"\nversion = "1"\n'
            f'[capabilities]\n[adapter]\nkind = "{kind}"\n{adapter}')


def _anchors(testbed: Testbed, *labels: str) -> list[Path]:
    paths = testbed.trust_anchor_paths()
    return [paths[label] for label in labels]


@pytest.mark.parametrize("kind", ["cli", "batch"])
def test_a_profile_may_name_every_trust_form(kind: str) -> None:
    names = sorted(placeholder.value for placeholder in TRUST_FORM_PLACEHOLDERS)
    template = json.dumps(["tool", *[f"--{name}={{{name}}}" for name in names]])
    profile = parse_profile(_profile(template, kind))
    assert profile.adapter.kind == kind
    assert parse_profile(PDFSIG_PROFILE).adapter.cli is not None


@pytest.mark.parametrize("kind", ["cli", "batch"])
def test_an_unknown_trust_placeholder_is_refused_with_one_line(
        kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    field = "adapter.cli.verify[2]" if kind == "cli" else "adapter.batch.command[2]"
    monkeypatch.delenv("KYSO_LANG", raising=False)  # the default: Vietnamese first
    with pytest.raises(ProfileError) as caught:
        parse_profile(_profile('["tool", "--store", "{trust_jks}"]', kind))
    assert str(caught.value).startswith(
        f"sut.toml: {field}: biến thay thế {{trust_jks}} không xác định / unknown placeholder "
        "{trust_jks} (chứng thư gốc tin cậy được truyền qua / trust anchors come as: ")
    monkeypatch.setenv("KYSO_LANG", "en")
    with pytest.raises(ProfileError) as caught:
        parse_profile(_profile('["tool", "--store", "{trust_jks}"]', kind))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"sut.toml: {field}: unknown placeholder {{trust_jks}} "
                              "(trust anchors come as: "), message
    assert "{trust_nss_db}" in message and "{trust_p12}" in message and "{input}" not in message


def test_each_trust_placeholder_renders_to_its_form(testbed: Testbed) -> None:
    template = [f"{{{placeholder.value}}}" for placeholder in sorted(TRUST_FORM_PLACEHOLDERS)]
    anchors = _anchors(testbed, "root-cv", "root-neac")
    values = trust_form_values(template, anchors)
    assert set(values) == {placeholder.value for placeholder in TRUST_FORM_PLACEHOLDERS}
    rendered = dict(zip(sorted(values), expand(template, values), strict=True))
    for name in ("trust_capath", "trust_der_dir", "trust_nss_db", "trust_cer_dir"):
        assert Path(rendered[name]).is_dir(), name
    assert Path(rendered["trust_pem_bundle"]).read_text().count("BEGIN CERTIFICATE") == 2
    assert Path(rendered["trust_p12_password_file"]).read_text().strip() == \
        rendered["trust_p12_password"]
    assert Path(rendered["trust_p7b"]).parent == Path(rendered["trust_cer_dir"])
    listing = subprocess.run(["certutil", "-L", "-d", f"sql:{rendered['trust_nss_db']}"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert "root-cv" in listing and "root-neac" in listing
    assert trust_form_values(["{input}", "--trust={trust_files}"], anchors) == {}, \
        "no form is built for a template that names none"


@pytest.fixture(scope="module")
def signed_pdf(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "trust-placeholder-signer" not in testbed.state.subscribers:
        testbed.issue("trust-placeholder-signer", key_type=KeyType.P256,
                      name=VietnameseName(common_name="Vũ Minh Khoa"))
    label = testbed.state.subscriber("trust-placeholder-signer").current_certificate
    assert label is not None
    path = tmp_path_factory.mktemp("pdfsig-cli") / "signed.pdf"
    path.write_bytes(sign_fixture(testbed, administrative_document(), certificate_label=label))
    return path


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) needed")
@pytest.mark.parametrize(("roots", "indication"), [
    (("root-cv", "root-neac"), Indication.TOTAL_PASSED),
    (("root-neac", "root-other"), Indication.INDETERMINATE),
])
def test_pdfsig_through_the_cli_adapter_trusts_the_cases_anchors(
        testbed: Testbed, signed_pdf: Path, tmp_path: Path, roots: tuple[str, ...],
        indication: Indication) -> None:
    sut = CliSut(parse_profile(PDFSIG_PROFILE))
    answer = sut.verify(VerifyRequest(input=signed_pdf, trust_roots=_anchors(testbed, *roots),
                                      moment=testbed.now(), workdir=tmp_path / "case"))
    assert [signature.indication for signature in answer.signatures] == [indication]
    command = json.loads((tmp_path / "case" / "command.json").read_text())["command"]
    database = Path(command[2].removeprefix("sql:"))
    assert (database / "cert9.db").exists()


def test_a_batch_command_gets_the_forms_of_its_cases_anchors(testbed: Testbed,
                                                            tmp_path: Path) -> None:
    script = tmp_path / "count_anchors.py"
    script.write_text(
        "import json, sys\n"
        "cases = json.load(sys.stdin)['cases']\n"
        "n = open(sys.argv[1]).read().count('BEGIN CERTIFICATE')\n"
        "print(json.dumps({'version': 1, 'results': [{'case_id': c['case_id'],"
        " 'unsupported': f'{n} anchors'} for c in cases]}))\n", encoding="utf-8")
    command = json.dumps(["{python}", str(script), "{trust_pem_bundle}"])
    profile = parse_profile(_profile(command, "batch"))
    document = tmp_path / "in.pdf"
    document.write_bytes(administrative_document())

    def request(*roots: str) -> VerifyRequest:
        return VerifyRequest(input=document, trust_roots=_anchors(testbed, *roots),
                             moment=testbed.now())

    outcomes = run_batch(profile, [("a", request("root-cv", "root-neac")),
                                   ("b", request("root-neac", "root-cv"))], tmp_path / "run")
    assert all(isinstance(outcome, SutUnsupported) and "2 anchors" in str(outcome)
               for outcome in outcomes.values()), outcomes
    with pytest.raises(ValueError, match="do not share their trust anchors"):
        run_batch(profile, [("a", request("root-cv")), ("b", request("root-neac"))],
                  tmp_path / "run-2")
