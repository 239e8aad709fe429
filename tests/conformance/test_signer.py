"""The reference signer on real SoftHSM tokens, against the live testbed services.

Every signed output is checked by pyHanko's own validation (trusting the testbed's roots) and, where
cheap, by poppler's ``pdfsig`` and ``pdftotext``. Refusals must leave no output file. One test runs
``kyso sign`` as a subprocess under pkcs11-spy to show that the key is only used through C_Sign.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from conformance.cli import main
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import sign, signing_context_from_testbed
from conformance.reference.signing_request import (
    SignerInputError,
    VisibleSignature,
)
from conformance.verdict import SignerAnswer, SignerOutcome
from testbed.ca.branches import Branch
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import ProfileKind
from testbed.clock import wall_clock
from testbed.documents import administrative_document
from testbed.service_modes import ServiceMode
from testbed.session import Testbed, running_testbed
from testbed.tokens import run_traced

SIGNER = VietnameseName(common_name="Lê Thị Ánh Tuyết", title="Giám đốc",
                        organization="Sở Nội vụ tỉnh Đồng Tháp", locality="Đồng Tháp")
SEAL = VietnameseName(common_name="Sở Nội vụ tỉnh Đồng Tháp",
                      organization="Ủy ban nhân dân tỉnh Đồng Tháp", locality="Đồng Tháp")
ISO_VIETNAM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("signer-input") / "quyet-dinh.pdf"
    path.write_bytes(administrative_document())
    return path


def _token(testbed: Testbed, subscriber: str, key_type: str = "p256", *,
           name: VietnameseName = SIGNER, **options: Any) -> str:
    token, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=name.model_copy(update={"common_name": f"{name.common_name} {subscriber}"}),
        **options)
    return token.label


def _sign(testbed: Testbed, label: str, source: Path, output: Path, *,
          pin: str | None = None, **options: Any) -> SignerAnswer:
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    options.setdefault("level", SignatureLevel.B_B)
    return sign(source, output, access=access,
                pin=testbed.tokens.user_pin(label) if pin is None else pin,
                trust_roots=roots, moment=now, tsa_url=tsa_url, **options)


def _trusted_roots(testbed: Testbed) -> Iterator[x509.Certificate]:
    for label in ("root-cv", "root-neac"):
        yield x509.Certificate.load(
            testbed.certificate_der(testbed.state.authorities[label].certificate))


def _context(testbed: Testbed) -> ValidationContext:
    return ValidationContext(trust_roots=list(_trusted_roots(testbed)), allow_fetching=True,
                             moment=testbed.now(), revocation_mode="hard-fail")


def _statuses(testbed: Testbed, path: Path) -> list[Any]:
    with path.open("rb") as handle:
        reader = PdfFileReader(handle)
        return [validate_pdf_signature(embedded, _context(testbed))
                for embedded in reader.embedded_regular_signatures]


def _refused_without_output(answer: SignerAnswer, output: Path, *words: str) -> None:
    assert answer.outcome is SignerOutcome.REFUSED
    assert answer.output is None
    assert not output.exists()
    assert answer.display is not None and answer.display.startswith("Chưa ký.")
    assert "\nNot signed." in answer.display
    # the cause in kyso's words, Vietnamese first; the library's English sentence only after
    # the English, in parentheses: never a line of its own
    assert len(answer.display.splitlines()) == 2, answer.display
    for word in words:
        assert word in (answer.reason or ""), answer.reason


def _pdfsig(path: Path) -> str:
    return subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True,
                          timeout=30, check=False).stdout


# ---- signatures that must succeed ---------------------------------------------------------------
@pytest.mark.parametrize("key_type", ["rsa2048", "p256"])
def test_every_pades_level_signs_and_validates(testbed: Testbed, document: Path, tmp_path: Path,
                                               key_type: str) -> None:
    label = _token(testbed, f"signer-levels-{key_type}", key_type)
    token_certificate = testbed.tokens.open(label).certificate_der()
    original = document.read_bytes()
    for level in SignatureLevel:
        output = tmp_path / f"{level.value}.pdf"
        answer = _sign(testbed, label, document, output, level=level, reason="Phê duyệt",
                       location="Đồng Tháp")
        assert answer.outcome is SignerOutcome.SIGNED, answer.reason
        assert answer.output == str(output) and answer.warnings == []
        assert answer.display is not None and answer.display.startswith("Đã ký.")
        assert "Chứng thư chữ ký số hợp lệ" in answer.display and "\nSigned." in answer.display
        signed = output.read_bytes()
        assert signed.startswith(original)  # an incremental update: earlier bytes untouched
        (status,) = _statuses(testbed, output)
        assert status.bottom_line, status.pretty_print_details()
        assert status.signing_cert.dump() == token_certificate
        assert status.signer_reported_dt is not None
        assert abs(status.signer_reported_dt - testbed.now()) < timedelta(minutes=5)
        with output.open("rb") as handle:
            reader = PdfFileReader(handle)
            embedded = reader.embedded_regular_signatures[0]
            assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
            signed_attributes = embedded.signer_info["signed_attrs"].native
            assert any(a["type"] == "signing_certificate_v2" for a in signed_attributes)
            dss = DocumentSecurityStore.read_dss(reader) if "/DSS" in reader.root else None
            timestamps = reader.embedded_timestamp_signatures
            if level in (SignatureLevel.B_B, SignatureLevel.B_T):
                assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
                assert dss is None
            else:  # the DSS (and the document timestamp) come in later revisions
                assert status.coverage is SignatureCoverageLevel.ENTIRE_REVISION
                assert status.modification_level is ModificationLevel.LTA_UPDATES
                assert dss is not None and dss.ocsps and dss.crls
            if level is SignatureLevel.B_B:
                assert status.timestamp_validity is None
            else:
                assert status.timestamp_validity is not None
                assert status.timestamp_validity.valid and status.timestamp_validity.intact
            if level is SignatureLevel.B_LTA:
                (document_timestamp,) = timestamps
                timestamp_status = validate_pdf_timestamp(
                    document_timestamp, validation_context=_context(testbed))
                assert timestamp_status.valid and timestamp_status.intact
                # pyHanko adds the timestamp's own validation data in one more DSS revision
                assert timestamp_status.coverage in (SignatureCoverageLevel.ENTIRE_FILE,
                                                     SignatureCoverageLevel.ENTIRE_REVISION)
                assert timestamp_status.modification_level in (None,
                                                               ModificationLevel.LTA_UPDATES)
            else:
                assert timestamps == []
        if level is SignatureLevel.B_B:
            report = _pdfsig(output)
            assert "Signature is Valid." in report and "Total document signed" in report


def test_rsa_pss_is_an_option(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-pss", "rsa2048")
    output = tmp_path / "pss.pdf"
    assert _sign(testbed, label, document, output, rsa_pss=True).outcome is SignerOutcome.SIGNED
    (status,) = _statuses(testbed, output)
    assert status.bottom_line
    with output.open("rb") as handle:
        embedded = PdfFileReader(handle).embedded_regular_signatures[0]
        assert embedded.signer_info["signature_algorithm"]["algorithm"].native == "rsassa_pss"


def test_organisation_seal_after_personal_signature_keeps_both_valid(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    person = _token(testbed, "signer-director")
    seal = _token(testbed, "signer-seal", name=SEAL, profile=ProfileKind.ORGANISATION)
    first, second = tmp_path / "ky-ca-nhan.pdf", tmp_path / "dong-dau.pdf"
    assert _sign(testbed, person, document, first, level=SignatureLevel.B_LT,
                 visible=VisibleSignature(1, (330, 60, 560, 120))).outcome is SignerOutcome.SIGNED
    answer = _sign(testbed, seal, first, second, level=SignatureLevel.B_LT,
                   visible=VisibleSignature(1, (330, 130, 560, 190)))
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    assert second.read_bytes().startswith(first.read_bytes())
    personal, organisation = _statuses(testbed, second)
    assert personal.bottom_line and organisation.bottom_line
    assert personal.coverage is SignatureCoverageLevel.ENTIRE_REVISION
    with second.open("rb") as handle:
        names = [s.field_name for s in PdfFileReader(handle).embedded_regular_signatures]
    assert names == ["ChuKy1", "ChuKy2"]


def test_visible_signature_shows_vietnamese_name_organisation_and_iso_time(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-visible", "rsa2048")
    output = tmp_path / "visible.pdf"
    answer = _sign(testbed, label, document, output, level=SignatureLevel.B_T,
                   visible=VisibleSignature(1, (300, 40, 560, 110)), field_name="ChuKyGiamDoc")
    assert answer.outcome is SignerOutcome.SIGNED
    text = subprocess.run(["pdftotext", str(output), "-"], capture_output=True, text=True,
                          timeout=30, check=True).stdout
    assert "Lê Thị Ánh Tuyết signer-visible" in text
    assert "Sở Nội vụ tỉnh Đồng Tháp" in text
    assert ISO_VIETNAM.search(text), text[-300:]
    with output.open("rb") as handle:
        reader = PdfFileReader(handle)
        embedded = reader.embedded_regular_signatures[0]
        assert embedded.field_name == "ChuKyGiamDoc"
        appearance = embedded.sig_field["/AP"]["/N"]
        fonts = [font.get_object() for xobject in _xobjects(appearance)
                 for font in xobject["/Resources"].get("/Font", {}).values()]
        descendants = [f["/DescendantFonts"][0].get_object() for f in fonts
                       if "/DescendantFonts" in f]
        assert any("/FontFile2" in d["/FontDescriptor"] and "DejaVu" in str(d["/BaseFont"])
                   for d in descendants)


def _xobjects(stream: Any) -> Iterator[Any]:
    """The appearance stream and every form XObject under it."""
    yield stream
    for child in stream["/Resources"].get("/XObject", {}).values():
        yield from _xobjects(child.get_object())


# ---- refusals: nothing is written ---------------------------------------------------------------
def test_expired_certificate_is_refused(testbed: Testbed, document: Path, tmp_path: Path,
                                        restore_clock: None) -> None:
    label = _token(testbed, "signer-expired", validity=timedelta(days=1))
    testbed.advance_clock(timedelta(days=2))
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output, "hết hạn",
                            "expired")


def test_not_yet_valid_certificate_is_refused(testbed: Testbed, document: Path,
                                              tmp_path: Path) -> None:
    label = _token(testbed, "signer-future", not_before=testbed.now() + timedelta(days=1))
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output,
                            "chưa có hiệu lực", "not yet valid")


def test_revoked_certificate_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-revoked")
    testbed.revoke(testbed.state.token(label).certificate)
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output, "thu hồi",
                            "revoked")


def test_untrusted_branch_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-untrusted", branch=Branch.OTHER)
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output,
                            "gốc tin cậy", "trusted root")


def test_wrong_pin_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-wrong-pin")
    output = tmp_path / "out.pdf"
    answer = _sign(testbed, label, document, output, pin="99999999")
    _refused_without_output(answer, output, "Sai mã PIN", "Wrong PIN")
    assert _sign(testbed, label, document, output).outcome is SignerOutcome.SIGNED


def test_locked_token_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-locked", max_pin_tries=2)
    testbed.tokens.lock(label)
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output, "bị khóa",
                            "locked")


def test_lost_token_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-lost")
    testbed.tokens.lose(label)
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output), output, "báo mất", "lost")


def test_absent_token_is_refused(testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-absent")
    access, roots, _, now = signing_context_from_testbed(testbed, label)
    elsewhere = access.model_copy(update={"token_label": "khong-co-token"})
    output = tmp_path / "out.pdf"
    answer = sign(document, output, access=elsewhere, pin="12345678", trust_roots=roots,
                  moment=now, level=SignatureLevel.B_B)
    _refused_without_output(answer, output, "Không tìm thấy", "not present")


def test_issuing_ca_revoked_is_refused(tmp_path_factory: pytest.TempPathFactory,
                                       document: Path, testbed: Testbed) -> None:
    # its own testbed: compromising the shared one's issuing CA would break the other tests
    with running_testbed(tmp_path_factory.mktemp("signer-compromise"), at=wall_clock()) as alone:
        label = _token(alone, "ca-victim")
        alone.compromise_authority("ca-cv")
        output = tmp_path_factory.mktemp("signer-compromise-out") / "out.pdf"
        _refused_without_output(_sign(alone, label, document, output), output,
                                "tổ chức cung cấp dịch vụ chứng thực chữ ký số",
                                "issuing certification authority")
    # the shared testbed's tokens still sign afterwards (the PKCS#11 library switched back)
    back = tmp_path_factory.mktemp("signer-after-compromise") / "out.pdf"
    assert _sign(testbed, _token(testbed, "signer-after-switch"), document, back).outcome \
        is SignerOutcome.SIGNED


# ---- revocation status unobtainable: warn, then sign --------------------------------------------
def test_ocsp_and_crl_down_signs_with_a_warning(testbed: Testbed, document: Path,
                                                tmp_path: Path, restore_services: None) -> None:
    label = _token(testbed, "signer-outage")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    output = tmp_path / "out.pdf"
    answer = _sign(testbed, label, document, output, level=SignatureLevel.B_LT)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    assert output.exists()
    assert any("OCSP" in warning and "1.2" in warning for warning in answer.warnings)
    assert any("chưa đầy đủ" in warning for warning in answer.warnings)  # incomplete DSS
    assert answer.display is not None and "Cảnh báo" in answer.display
    testbed.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    testbed.set_service("crl:ca-cv", ServiceMode.NORMAL)
    (status,) = _statuses(testbed, output)
    assert status.intact and status.valid


def test_stale_crl_with_ocsp_down_is_a_warning_never_good(
        testbed: Testbed, document: Path, tmp_path: Path, restore_services: None) -> None:
    label = _token(testbed, "signer-stale")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.STALE)
    output = tmp_path / "out.pdf"
    answer = _sign(testbed, label, document, output)
    assert answer.outcome is SignerOutcome.SIGNED
    assert len(answer.warnings) == 1 and "CRL" in answer.warnings[0]
    assert "Chứng thư chữ ký số hợp lệ" not in (answer.display or "")


def test_timestamp_authority_down_refuses_a_b_t_signature(
        testbed: Testbed, document: Path, tmp_path: Path, restore_services: None) -> None:
    label = _token(testbed, "signer-no-tsa")
    testbed.set_service("tsa:ca-cv", ServiceMode.HTTP_500)
    output = tmp_path / "out.pdf"
    _refused_without_output(_sign(testbed, label, document, output, level=SignatureLevel.B_T),
                            output, "dấu thời gian", "timestamp")


# ---- the command line ---------------------------------------------------------------------------
def test_kyso_sign_under_pkcs11_spy_uses_c_sign_and_never_extracts_the_key(
        testbed: Testbed, document: Path, tmp_path: Path) -> None:
    label = _token(testbed, "signer-traced", "rsa2048")
    access = testbed.tokens.access(label)
    output = tmp_path / "traced.pdf"
    pin = testbed.tokens.user_pin(label)
    run = run_traced(
        [sys.executable, "-m", "conformance.cli", "sign", str(document), str(output),
         "--token", label, "--testbed", str(testbed.directory), "--level", "B-T",
         "--module", "{module}", "--json"],
        target_module=Path(access.module), env=access.process_env(),
        trace_path=tmp_path / "trace.txt", secrets=[pin], timeout=120)
    assert run.returncode == 0, run.stderr
    answer = SignerAnswer.model_validate_json(run.stdout)
    assert answer.outcome is SignerOutcome.SIGNED and output.exists()
    assert run.summary.signed and not run.summary.tried_key_extraction
    assert "C_Login" in run.summary.calls
    assert pin not in (tmp_path / "trace.txt").read_text()


def test_kyso_sign_answers_a_refusal_with_exit_1_and_json(
        testbed: Testbed, document: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    label = _token(testbed, "signer-cli-refused", branch=Branch.OTHER)
    output = tmp_path / "out.pdf"
    code = main(["sign", str(document), str(output), "--token", label,
                 "--testbed", str(testbed.directory), "--level", "B-B", "--json"])
    assert code == 1  # refused: an answer all the same, told apart by the status alone
    answer = json.loads(capsys.readouterr().out)
    assert answer["outcome"] == "refused" and answer["version"] == 1
    assert not output.exists()


@pytest.mark.parametrize(("arguments", "named"), [
    (["--visible", "1,2,3"], "--visible"),
    (["--level", "B-X"], "--level"),
    (["--pin-file", "/nonexistent/pin"], "--pin-file"),
    (["--token", "khong-co-token"], "--token"),
])
def test_kyso_sign_usage_errors_exit_2_with_one_line(
        testbed: Testbed, document: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        arguments: list[str], named: str) -> None:
    label = "signer-cli-usage"
    if label not in testbed.state.tokens:
        _token(testbed, label)
    code = main(["sign", str(document), str(tmp_path / "out.pdf"), "--token", label,
                 "--testbed", str(testbed.directory), *arguments])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and named in error
    assert not (tmp_path / "out.pdf").exists()


def test_not_a_pdf_is_a_usage_error(testbed: Testbed, tmp_path: Path) -> None:
    label = _token(testbed, "signer-not-pdf")
    bogus = tmp_path / "note.txt"
    bogus.write_text("không phải PDF")
    with pytest.raises(SignerInputError, match="not a PDF"):
        _sign(testbed, label, bogus, tmp_path / "out.pdf")
