"""The reference verifier and ``kyso verify``: the answer, the seven TT15-6.4.b fields in
Vietnamese, the bilingual text, and clean answers on bad input. Real testbed, real HTTP."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.reference.messages import vietnam_time
from conformance.reference.verifier import verify, verify_in_detail
from conformance.verdict import DisplayField, Indication, MessageClass, VerifierAnswer
from testbed.documents import truncate
from testbed.session import Testbed
from tests.conformance.oracle_helpers import PERSON, document, sign, trust_roots

VIETNAM_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


@pytest.fixture(scope="module")
def signed_pdf(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    label = testbed.issue("verifier-display", name=PERSON).label
    directory = tmp_path_factory.mktemp("verifier")
    path = directory / "quyet-dinh-da-ky.pdf"
    path.write_bytes(sign(testbed, label, document(), directory, level="B-LT"))
    return path


def test_answer_shows_the_seven_fields_in_vietnamese(testbed: Testbed, signed_pdf: Path) -> None:
    answer = verify(signed_pdf, trust_roots(testbed), at=testbed.now())
    assert answer.error is None
    (signature,) = answer.signatures
    assert signature.indication is Indication.TOTAL_PASSED
    display = signature.display
    assert set(display) == {field.value for field in DisplayField} | {"result"}
    assert display["result"] == MessageClass.VALID.vietnamese == "Chữ ký số hợp lệ"
    assert display[DisplayField.SIGNER] == "TEST Trần Thị Bình, Chuyên viên"
    assert display[DisplayField.MANAGING_UNIT] == \
        "Phòng Công chức, viên chức, TEST Sở Nội vụ tỉnh Đồng Tháp"
    assert display[DisplayField.ISSUER].startswith("TEST Cục Chứng thực số và Bảo mật thông tin")
    assert VIETNAM_ISO.match(display[DisplayField.SIGNING_TIME])
    assert "dấu thời gian" in display[DisplayField.SIGNING_TIME]
    assert display[DisplayField.INTEGRITY].startswith("Toàn vẹn")
    assert display[DisplayField.VALIDITY_AT_SIGNING_TIME].startswith("Hợp lệ")
    assert len(VIETNAM_ISO.findall(display[DisplayField.CERTIFICATE_VALIDITY])) == 2
    # round trip through the adapter contract's JSON
    assert VerifierAnswer.model_validate_json(answer.model_dump_json()) == answer


def test_text_is_vietnamese_first_then_english(testbed: Testbed, signed_pdf: Path) -> None:
    verification = verify_in_detail(signed_pdf, trust_roots(testbed), at=testbed.now())
    text = verification.answer.display
    assert text is not None
    assert text.index("Chữ ký số hợp lệ") < text.index("The signature is valid")
    record = testbed.certificate("verifier-display")
    for label in [field.vietnamese_label for field in DisplayField] + \
            [field.english_label for field in DisplayField]:
        assert f"  {label}: " in text, label
    assert f"{record.serial:X}" in text
    assert vietnam_time(record.not_after) in text
    # a B-LT document: its own OCSP response is used before anything is fetched (issue 20)
    assert "Trạng thái thu hồi: Chưa bị thu hồi (nguồn: dữ liệu kiểm tra gắn trong tệp (DSS)" \
        in text
    assert "Revocation status: Not revoked (source: validation data embedded in the file (DSS)" \
        in text
    assert "Lý do" not in text, "a valid signature has no reason line"
    assert "  Định dạng: PAdES baseline B-LT (ETSI EN 319 142-1)" in text
    assert "  Format: PAdES baseline B-LT (ETSI EN 319 142-1)" in text


def test_invalid_signature_shows_result_and_reason(testbed: Testbed, signed_pdf: Path) -> None:
    answer = verify(signed_pdf, trust_roots(testbed, "root-neac"), at=testbed.now())
    (signature,) = answer.signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.display["result"] == MessageClass.INDETERMINATE.vietnamese
    assert signature.display[DisplayField.VALIDITY_AT_SIGNING_TIME].startswith(
        "Không xác định được: Chứng thư chữ ký số không được cấp bởi một tổ chức cung cấp dịch vụ "
        "chứng thực chữ ký số được tin cậy")
    assert answer.display is not None and "Lý do: " in answer.display
    assert "Reason: " in answer.display


def test_pdf_without_signature_is_answered_cleanly(testbed: Testbed, tmp_path: Path) -> None:
    path = tmp_path / "chua-ky.pdf"
    path.write_bytes(document())
    answer = verify(path, trust_roots(testbed), at=testbed.now())
    assert answer.signatures == []
    assert answer.error is not None and answer.error.startswith("Tài liệu không có chữ ký số")
    assert answer.display is not None and "Tài liệu không có chữ ký số" in answer.display


@pytest.mark.parametrize("content", [b"", b"hello, not a PDF\n", b"\x89PNG\r\n\x1a\n" * 8])
def test_non_pdf_gives_one_line_error_and_exit_2(testbed: Testbed, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 content: bytes) -> None:
    path = tmp_path / "khong-phai.pdf"
    path.write_bytes(content)
    code = main(["verify", str(path), "--testbed", str(testbed.directory)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "không phải tệp PDF" in captured.err
    assert "Traceback" not in captured.err


def test_truncated_signed_pdf_is_answered_cleanly(testbed: Testbed, signed_pdf: Path,
                                                  tmp_path: Path) -> None:
    data = signed_pdf.read_bytes()
    for keep in (0.3, 0.97):
        path = tmp_path / f"cut-{keep}.pdf"
        path.write_bytes(truncate(data, keep))
        verification = verify_in_detail(path, trust_roots(testbed), at=testbed.now())
        answer = verification.answer
        assert answer.error is not None or all(
            signature.indication is not Indication.TOTAL_PASSED
            for signature in answer.signatures), keep


def test_unreadable_file_and_directory_are_input_errors(testbed: Testbed, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    for target in (tmp_path / "missing.pdf", tmp_path):
        assert main(["verify", str(target), "--testbed", str(testbed.directory)]) == 2
        assert "Traceback" not in capsys.readouterr().err


def test_cli_text_json_exit_codes_and_trust_directory(testbed: Testbed, signed_pdf: Path,
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    assert main(["verify", str(signed_pdf), "--testbed", str(testbed.directory)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Kết quả kiểm tra chữ ký số")
    assert main(["verify", str(signed_pdf), "--testbed", str(testbed.directory), "--json"]) == 0
    answer = VerifierAnswer.model_validate(json.loads(capsys.readouterr().out))
    assert answer.signatures[0].display["result"] == "Chữ ký số hợp lệ"
    trust = tmp_path / "trust"
    trust.mkdir()
    shutil.copy(testbed.trust_anchor_paths()["root-neac"], trust)
    at = testbed.now().isoformat()
    assert main(["verify", str(signed_pdf), "--trust", str(trust), "--at", at]) == 1
    assert "Không xác định được tính hợp lệ" in capsys.readouterr().out
    shutil.copy(testbed.trust_anchor_paths()["root-cv"], trust)
    assert main(["verify", str(signed_pdf), "--trust", str(trust), "--at", at]) == 0
    capsys.readouterr()
    assert main(["verify", str(signed_pdf), "--trust", str(tmp_path / "none.pem")]) == 2
    assert "--trust" in capsys.readouterr().err


def test_poppler_pdfsig_accepts_the_signed_pdf(testbed: Testbed, signed_pdf: Path) -> None:
    """An independent client (poppler/NSS) finds the signature and its digest intact."""
    if shutil.which("pdfsig") is None:
        pytest.skip("poppler-utils (pdfsig) is not installed")
    result = subprocess.run(["pdfsig", "-nocert", str(signed_pdf)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert "Signature is Valid." in result.stdout
    assert "Signer Certificate Common Name: TEST Trần Thị Bình" in result.stdout
    assert "Signature Type: ETSI.CAdES.detached" in result.stdout


def test_a_cms_signature_is_never_labelled_pades(testbed: Testbed, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """adbe.pkcs7.detached with a signature timestamp is a CMS signature (ISO 32000-1, EN 319
    142-2), not PAdES B-T: the text and the JSON say so; pdfsig reads the same SubFilter."""
    from pyhanko.sign.fields import SigSeedSubFilter

    label = testbed.issue("verifier-cms", name=PERSON).label
    path = tmp_path / "cms.pdf"
    path.write_bytes(sign(testbed, label, document(), tmp_path, level="B-T",
                          subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED))
    assert main(["verify", str(path), "--testbed", str(testbed.directory), "--json"]) == 0
    answer = VerifierAnswer.model_validate(json.loads(capsys.readouterr().out))
    text = answer.display or ""
    assert "  Định dạng: CMS (adbe.pkcs7.detached): chữ ký CMS theo ISO 32000-1 / ETSI EN 319 " \
        "142-2, không phải PAdES baseline" in text
    assert "  Format: CMS (adbe.pkcs7.detached): a CMS signature per ISO 32000-1 / ETSI EN 319 " \
        "142-2, not a PAdES baseline signature" in text
    assert "PAdES B-" not in text and "PAdES baseline B" not in text
    if shutil.which("pdfsig") is not None:
        result = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True,
                                text=True, timeout=60, check=False)
        assert "Signature Type: adbe.pkcs7.detached" in result.stdout, result.stdout
