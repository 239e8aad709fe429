"""``kyso demo`` (``make demo``): the main job, end to end, in a few minutes.

1. the full signer and verifier suites against the reference tools (python adapter);
2. the verifier suite against a defective variant (ignore-revocation), driven as a real
   command-line program through the sandbox;
3. the reports of both runs: HTML, the PDF biên bản signed by the lab's certificate, JUnit XML;
4. what changed between the two runs (``kyso report diff``);
5. the signed report checked with ``kyso verify``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bilingual import say
from conformance.lab import lab_testbed, sign_report
from conformance.reference.verifier import trust_roots_of_testbed, verify
from conformance.runner import RunOptions, conform, exit_code
from reports import Verdict, diff_results, render_all, render_diff_table
from testbed import InvalidInputError

EXAMPLES = Path(__file__).resolve().parent / "sut" / "examples"
REFERENCE_PROFILE = EXAMPLES / "reference-python.toml"
DEFECTIVE_PROFILE = EXAMPLES / "defective-verifier-cli.toml"


def _fresh(directory: Path) -> None:
    if directory.exists():
        if not (directory / "DEMO").exists():
            raise InvalidInputError(f"{directory}: " + say(
                "đã tồn tại và không phải thư mục demo của kyso; hãy chọn --dir khác",
                "exists and is not a kyso demo folder; choose another --dir"))
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / "DEMO").write_text("written by kyso demo; safe to delete\n")


def run_demo(directory: Path) -> int:
    _fresh(directory)
    started = time.monotonic()

    def stage(text: str) -> None:
        print(f"\n== [{time.monotonic() - started:5.0f} s] {text}", flush=True)

    stage("1/5 " + say("bộ ký số và kiểm tra chữ ký số tham chiếu, mọi điểm kiểm tra của "
                       "danh mục (bộ chuyển đổi python)",
                       "reference signer + verifier, every case of the catalogue (python "
                       "adapter)"))
    reference = conform(RunOptions(REFERENCE_PROFILE, directory / "reference"))
    stage("2/5 " + say("bộ kiểm tra chữ ký số có lỗi cố ý 'ignore-revocation', là chương trình "
                       "dòng lệnh chạy trong sandbox",
                       "defective verifier 'ignore-revocation', as a command-line program in "
                       "the sandbox"))
    defective = conform(RunOptions(DEFECTIVE_PROFILE, directory / "defective"))
    stage("3/5 " + say("báo cáo: HTML, biên bản PDF do phòng thử nghiệm ký số, JUnit XML",
                       "reports: HTML, PDF report signed by the lab, JUnit XML"))
    lab = directory / "lab"
    with lab_testbed(lab) as testbed:
        for run in ("reference", "defective"):
            rendered = render_all(directory / run / "results.json")
            sign_report(testbed, rendered.pdf, rendered.pdf.with_name("report-signed.pdf"))
            print(f"  {rendered.html}\n  {rendered.pdf.with_name('report-signed.pdf')}\n"
                  f"  {rendered.junit}")
        stage("4/5 kyso report diff reference defective")
        print(render_diff_table(diff_results(reference, defective)))
        stage("5/5 kyso verify " + say("(kiểm tra chữ ký số của biên bản đã ký)",
                                       "(the signed report)"))
        answer = verify(directory / "reference" / "report-signed.pdf",
                        trust_roots_of_testbed(lab), at=testbed.now())
        result = answer.signatures[0].display.get("result", "?") if answer.signatures else \
            answer.error
        print(f"  {directory / 'reference' / 'report-signed.pdf'}: {result}")
    failed = sum(1 for case in defective.cases if case.verdict is Verdict.FAIL)
    total, code, cases = len(reference.cases), exit_code(reference), len(defective.cases)
    print("\n" + say(f"công cụ tham chiếu: {total} điểm kiểm tra, mã thoát {code} · bộ kiểm tra "
                     f"có lỗi cố ý: {failed}/{cases} điểm kiểm tra không đạt (FAIL), đúng như "
                     "mong đợi",
                     f"reference tools: {total} cases, exit code {code} · defective verifier: "
                     f"{failed} of {cases} cases FAIL, as it should"))
    html = directory / "reference" / "report.html"
    signed = directory / "reference" / "report-signed.pdf"
    print(say(f"mở {html} bằng trình duyệt; biên bản đã ký vẫn kiểm tra được về sau khi không "
              f"còn testbed nào chạy (nó mang theo dữ liệu kiểm tra): kyso verify {signed} "
              f"--testbed {lab}",
              f"open {html} in a browser; the signed report verifies later with no testbed "
              f"running (it carries its validation data): kyso verify {signed} --testbed {lab}"))
    seconds = f"{time.monotonic() - started:.0f}"
    print(say(f"demo hoàn tất sau {seconds} s", f"demo finished in {seconds} s"))
    return 0 if exit_code(reference) == 0 and failed > 0 else 1
