"""A realistic results file built in code: the input of every renderer test.

Twelve cases over both roles with Vietnamese titles, every verdict, two mandatory requirements
failed, evidence entries, and untrusted text from the software under test: a ``<script>`` tag,
a PIN echoed on stderr and a private key dumped on stdout (which no report may carry).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports.results import (
    CaseResult,
    Evidence,
    Finding,
    FindingCategory,
    Policy,
    RequirementResult,
    Results,
    RunMetadata,
    Severity,
    SoftwareUnderTest,
    Summary,
    Text,
    Verdict,
)

LEAKED_PIN = "648213"
"""A PIN the fake software echoes; it must appear in no rendered report."""
LEAKED_SO_PIN = "87654321"
SCRIPT = "<script>alert(1)</script>"
SIGNER_NAME = "Nguyễn Thị Hương Giang"

START = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)  # 09:30 in Vietnam


def _evidence(case: str, *kinds: str) -> list[Evidence]:
    folder = case.replace("::", "/")
    names = {"input": "input.pdf", "output": "output.pdf", "stdout": "stdout.txt",
             "stderr": "stderr.txt", "command": "command.json", "ocsp": "ocsp-response.der",
             "crl": "crl.der"}
    return [Evidence(path=f"evidence/{folder}/{names[kind]}",
                     sha256=f"{index:x}" * 64, kind=kind)
            for index, kind in enumerate(kinds, start=1)]


def _case(index: int, case_id: str, vi: str, en: str, requirements: list[str], verdict: Verdict,
          *, expected: str, actual: str, reason: str, severity: Severity = Severity.FAIL,
          evidence: tuple[str, ...] = ("input", "stdout", "stderr")) -> CaseResult:
    """A case whose reason is written "Vietnamese / English", as a builder gives both."""
    said_vi, _, said_en = reason.partition(" / ")
    return CaseResult(
        id=case_id, title=Text(vi=vi, en=en), requirements=requirements, expected=expected,
        actual=actual, verdict=verdict, severity=severity, reason=said_en or said_vi,
        reason_vi=said_vi if said_en else "",
        judged_at=START + timedelta(minutes=index), duration_seconds=0.35 + index * 0.9,
        evidence=_evidence(case_id, *evidence))


def sample_cases() -> list[CaseResult]:
    """The twelve cases (the order a runner would write them in)."""
    return [
        _case(1, "signer::pades::b-lt-with-revocation-data",
              "Ký PAdES B-LT kèm dữ liệu thu hồi", "PAdES B-LT with revocation data embedded",
              ["TT15-6.1.b", "TT15-AnnexI-1.3"], Verdict.PASS,
              expected="signed, PAdES B-LT", actual="signed, PAdES B-LT",
              reason="Chữ ký hợp lệ ở mức B-LT / the signature is valid at level B-LT",
              evidence=("input", "output", "stdout")),
        _case(2, "signer::certificate::refuse-revoked-certificate",
              "Từ chối ký khi chứng thư chữ ký số đã bị thu hồi",
              "Refuse to sign with a revoked certificate",
              ["TT15-5.1.a"], Verdict.FAIL,
              expected="refused: certificate revoked (keyCompromise)",
              actual="signed; warnings: []",
              reason="Phần mềm vẫn ký bằng chứng thư chữ ký số đã bị thu hồi lúc "
                     "2026-11-21T10:00:00+07:00 "
                     "/ the software signed with a certificate revoked before signing",
              evidence=("input", "output", "stdout", "ocsp")),
        _case(3, "signer::certificate::refuse-expired-certificate",
              "Từ chối ký khi chứng thư chữ ký số đã hết hạn",
              "Refuse to sign with an expired certificate",
              ["TT15-5.1.a"], Verdict.PASS,
              expected="refused: certificate expired",
              actual="refused: Chứng thư chữ ký số đã hết hiệu lực",
              reason="Từ chối đúng / refused as required"),
        _case(4, "signer::revocation::warn-when-status-unknown",
              "Cảnh báo khi không xác định được trạng thái chứng thư chữ ký số",
              "Warn when revocation status cannot be obtained",
              ["TT15-AnnexII-1.2"], Verdict.FAIL, severity=Severity.WARNING,
              expected="signed with a warning about revocation status",
              actual="signed; warnings: []",
              reason="Không hiển thị cảnh báo khi OCSP và CRL không truy cập được "
                     "/ no warning shown while OCSP and CRL were unreachable",
              evidence=("input", "output", "stdout", "crl")),
        _case(5, "signer::token::wrong-pin-is-refused",
              "Nhập sai mã PIN thì không ký", "A wrong PIN does not sign",
              ["TT15-6.1.a"], Verdict.ERROR,
              expected="refused: wrong PIN",
              actual=f"exit 139 (SIGSEGV); stderr tail: C_Login failed, PIN: {LEAKED_PIN} "
                     f"rejected; retrying with pkcs11-tool --login --so-pin {LEAKED_SO_PIN}\n"
                     "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
                     "-----END PRIVATE KEY-----",
              reason="Phần mềm bị lỗi, không có câu trả lời / the program crashed (signal 11)",
              evidence=("command", "stdout", "stderr")),
        _case(6, "signer::pades::b-lta-archive-timestamp",
              "Ký PAdES B-LTA có dấu thời gian lưu trữ", "PAdES B-LTA with an archive timestamp",
              ["TT15-6.1.b"], Verdict.SKIPPED, severity=Severity.INFO,
              expected="signed, PAdES B-LTA",
              actual="unsupported (exit 64, declared in sut.toml)",
              reason="Phần mềm khai báo không hỗ trợ mức B-LTA (tùy chọn) "
                     "/ the software declares B-LTA unsupported (optional)",
              evidence=("command",)),
        _case(7, "verifier::revocation::revoked-before-signing",
              "Phát hiện chứng thư chữ ký số bị thu hồi trước thời điểm ký",
              "Detect a certificate revoked before signing",
              ["TT15-6.4.a", "ND68-33.3.a"], Verdict.FAIL,
              expected="INDETERMINATE/REVOKED_NO_POE or TOTAL-FAILED/REVOKED",
              actual=f"TOTAL-PASSED; display: 'Chữ ký hợp lệ {SCRIPT}'",
              reason="Phần mềm báo chữ ký hợp lệ dù chứng thư chữ ký số đã bị thu hồi "
                     f"/ reported valid although revoked; output quoted: {SCRIPT}",
              evidence=("input", "stdout", "ocsp")),
        _case(8, "verifier::revocation::revoked-after-timestamp",
              "Chữ ký có dấu thời gian trước khi thu hồi vẫn hợp lệ",
              "A signature timestamped before revocation stays valid",
              ["TT15-6.4.a"], Verdict.PASS,
              expected="TOTAL-PASSED", actual="TOTAL-PASSED",
              reason="Đúng / as expected"),
        _case(9, "verifier::integrity::byte-flipped-in-signed-range",
              "Phát hiện tài liệu bị sửa sau khi ký", "Detect a document changed after signing",
              ["TT15-6.4.c", "ND68-33.3.a"], Verdict.PASS,
              expected="TOTAL-FAILED/HASH_FAILURE", actual="TOTAL-FAILED/HASH_FAILURE",
              reason="Đúng / as expected"),
        _case(10, "verifier::integrity::shadow-attack-incremental-update",
              "Phát hiện thay đổi nội dung bằng cập nhật tăng dần",
              "Detect content changed by an incremental update (shadow attack)",
              ["TT15-6.4.c"], Verdict.FAIL,
              expected="TOTAL-FAILED or INDETERMINATE (modification after signing)",
              actual="TOTAL-PASSED",
              reason="Không phát hiện nội dung trang bị thay đổi sau khi ký "
                     "/ the page content changed after signing went unnoticed"),
        _case(11, "verifier::display::seven-fields-in-vietnamese",
              "Hiển thị đủ bảy trường thông tin bằng tiếng Việt",
              "Show the seven fields in Vietnamese",
              ["TT15-6.4.b"], Verdict.ERROR,
              expected="display with signer, organisation, time, validity, certificate, "
                       "timestamp, integrity",
              actual="timeout after 60 s; no output",
              reason="Hết thời gian chờ, không có câu trả lời / timed out without an answer",
              evidence=("command", "stderr")),
        _case(12, "verifier::display::signer-name-with-diacritics",
              f"Hiển thị đúng tên người ký có dấu: {SIGNER_NAME}",
              "Show a signer name with Vietnamese diacritics",
              ["TT15-6.4.b"], Verdict.PASS,
              expected=f"display contains '{SIGNER_NAME}'",
              actual=f"display: 'Người ký: {SIGNER_NAME}'",
              reason="Đúng / as expected"),
    ]


def _finding(check: str, category: FindingCategory, requirements: list[str], verdict: Verdict,
             expected: str, actual: str, reason: str = "",
             severity: Severity = Severity.INFO) -> Finding:
    return Finding(check=check, category=category, requirements=requirements, expected=expected,
                   actual=actual, verdict=verdict, severity=severity, reason=reason)


TECHNICAL, DISPLAY = FindingCategory.TECHNICAL, FindingCategory.DISPLAY
SAMPLE_FINDINGS = {
    "signer::certificate::refuse-revoked-certificate": [
        _finding("outcome", TECHNICAL, ["TT15-5.1.a"], Verdict.FAIL, "refused", "signed",
                 "the signer signed", Severity.FAIL),
        _finding("document", TECHNICAL, ["TT15-5.1.a"], Verdict.PASS, "a document written",
                 "a document written"),
        _finding("result", DISPLAY, ["TT15-5.6.b"], Verdict.PASS, "'đã ký'",
                 f"'Đã ký xong (PIN: {LEAKED_PIN})'"),
    ],
    "verifier::revocation::revoked-before-signing": [
        _finding("indication", TECHNICAL, ["ND68-33.3.a"], Verdict.FAIL,
                 "INDETERMINATE", "TOTAL-PASSED", "wrong indication", Severity.FAIL),
        _finding("result", DISPLAY, ["TT15-6.4.a"], Verdict.PASS, "'Chữ ký số hợp lệ'",
                 f"'Chữ ký hợp lệ {SCRIPT}'"),
    ],
    "verifier::revocation::revoked-after-timestamp": [
        _finding("indication", TECHNICAL, [], Verdict.PASS, "TOTAL-PASSED", "TOTAL-PASSED"),
        _finding("result", DISPLAY, ["TT15-6.4.a"], Verdict.PASS, "'Chữ ký số hợp lệ'",
                 "'Chu ky so hop le'"),
        _finding("diacritics:result", DISPLAY, ["TT15-6.4.a"], Verdict.PASS,
                 "Vietnamese with diacritics", "chu ky so hop le",
                 "result: 'chu ky so hop le' is Vietnamese written without diacritics",
                 Severity.WARNING),
    ],
}
"""Findings of three cases (results version 2): the other cases carry none, as in a version-1
file or a case that could not be judged."""


def _requirement(identifier: str, clause: str, level: str, vi: str, en: str,
                 verdict: Verdict, cases: list[str], confidence: str = "VERIFIED"
                 ) -> RequirementResult:
    return RequirementResult(id=identifier, clause=clause, confidence=confidence, level=level,
                             statement=Text(vi=vi, en=en), verdict=verdict, cases=cases)


def sample_requirements() -> list[RequirementResult]:
    """The requirements the cases cite, each with the verdict its cases give it."""
    return [
        _requirement("TT15-5.1.a", "TT 15/2025/TT-BKHCN Điều 5 khoản 1 điểm a", "mandatory",
                     "Không thực hiện ký số khi chứng thư chữ ký số đã hết hiệu lực hoặc bị "
                     "thu hồi",
                     "Do not sign with an expired or revoked certificate", Verdict.FAIL,
                     ["signer::certificate::refuse-revoked-certificate",
                      "signer::certificate::refuse-expired-certificate"]),
        _requirement("TT15-6.1.a", "TT 15/2025/TT-BKHCN Điều 6 khoản 1 điểm a", "mandatory",
                     "Xác thực người dùng (mã PIN) trước khi dùng khóa bí mật",
                     "Authenticate the user (PIN) before using the private key", Verdict.ERROR,
                     ["signer::token::wrong-pin-is-refused"]),
        _requirement("TT15-6.1.b", "TT 15/2025/TT-BKHCN Điều 6 khoản 1 điểm b", "mandatory",
                     "Tạo chữ ký số theo định dạng PAdES", "Create PAdES signatures", Verdict.PASS,
                     ["signer::pades::b-lt-with-revocation-data",
                      "signer::pades::b-lta-archive-timestamp"]),
        _requirement("TT15-AnnexI-1.3", "TT 15/2025/TT-BKHCN Phụ lục I mục 1.3", "recommended",
                     "Nhúng dữ liệu kiểm tra trạng thái chứng thư chữ ký số vào chữ ký",
                     "Embed revocation data in the signature", Verdict.PASS,
                     ["signer::pades::b-lt-with-revocation-data"], confidence="SECONDARY"),
        _requirement("TT15-AnnexII-1.2", "TT 15/2025/TT-BKHCN Phụ lục II mục 1.2", "recommended",
                     "Cảnh báo khi không xác định được trạng thái chứng thư chữ ký số",
                     "Warn when the certificate status cannot be determined", Verdict.FAIL,
                     ["signer::revocation::warn-when-status-unknown"],
                     confidence="VERIFIED-TRANSCRIPT"),
        _requirement("TT15-6.4.a", "TT 15/2025/TT-BKHCN Điều 6 khoản 4 điểm a", "mandatory",
                     "Kiểm tra trạng thái chứng thư chữ ký số tại thời điểm ký",
                     "Check the certificate status at the signing time", Verdict.FAIL,
                     ["verifier::revocation::revoked-before-signing",
                      "verifier::revocation::revoked-after-timestamp"]),
        _requirement("TT15-6.4.b", "TT 15/2025/TT-BKHCN Điều 6 khoản 4 điểm b", "mandatory",
                     "Hiển thị kết quả kiểm tra bằng tiếng Việt với đủ bảy trường thông tin",
                     "Show the result in Vietnamese with the seven fields", Verdict.ERROR,
                     ["verifier::display::seven-fields-in-vietnamese",
                      "verifier::display::signer-name-with-diacritics"]),
        _requirement("TT15-6.4.c", "TT 15/2025/TT-BKHCN Điều 6 khoản 4 điểm c", "mandatory",
                     "Phát hiện sự thay đổi của thông điệp dữ liệu sau khi ký",
                     "Detect changes to the data message after signing", Verdict.FAIL,
                     ["verifier::integrity::byte-flipped-in-signed-range",
                      "verifier::integrity::shadow-attack-incremental-update"]),
        _requirement("ND68-33.3.a", "Nghị định 68/2024/NĐ-CP Điều 33 khoản 3 điểm a", "mandatory",
                     "Kiểm tra hiệu lực chữ ký số chuyên dùng công vụ",
                     "Validate công vụ digital signatures", Verdict.FAIL,
                     ["verifier::revocation::revoked-before-signing",
                      "verifier::integrity::byte-flipped-in-signed-range"],
                     confidence="SECONDARY"),
    ]


def _counts(verdicts: list[Verdict]) -> dict[Verdict, int]:
    return {verdict: verdicts.count(verdict) for verdict in Verdict}


def sample_results() -> Results:
    """The whole results file."""
    cases = [case.model_copy(update={"findings": SAMPLE_FINDINGS.get(case.id, [])})
             for case in sample_cases()]
    requirements = sample_requirements()
    return Results(
        run=RunMetadata(
            kyso_version="0.1.0",
            sut=SoftwareUnderTest(name="Ánh Dương eSign Desktop",
                                  vendor="Công ty Phần mềm Ánh Dương",
                                  version="3.2.1", profile="suts/anh-duong/sut.toml",
                                  profile_sha256="ab" * 32),
            policy=Policy(name="default", sha256="cd" * 32),
            roles=["signer", "verifier"],
            testbed_instant=START,
            started_at=START,
            finished_at=START + timedelta(minutes=14, seconds=7),
            host="kiemthu-01.sokhcn.local",
            platform="Linux-6.1-x86_64 / Python 3.11",
        ),
        cases=cases,
        requirements=requirements,
        summary=Summary(
            cases=_counts([case.verdict for case in cases]),
            requirements=_counts([requirement.verdict for requirement in requirements]),
            mandatory_failures=[requirement.id for requirement in requirements
                                if requirement.level == "mandatory"
                                and requirement.verdict is Verdict.FAIL],
            findings={TECHNICAL: {Verdict.PASS: 2, Verdict.FAIL: 2},
                      DISPLAY: {Verdict.PASS: 4}},
        ),
    )
