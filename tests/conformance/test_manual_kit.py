"""The manual kit: exported for a person, filled in as a person would, imported as answers."""

from __future__ import annotations

import csv
import json
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.sut.process.manual_kit import (
    COLUMNS,
    KitCase,
    KitError,
    export_kit,
    import_results,
)
from scenarios.outcomes import Indication, SignerOutcome, VerifierAnswer
from scenarios.roles import SignRequest, VerifyRequest
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed


def _cases(testbed: Testbed, tmp_path: Path, subscriber: str) -> list[KitCase]:
    record, _ = testbed.tokens.create(
        subscriber, key_type="p256",
        name=VietnameseName(common_name="Phạm Thị Hoa manual-kit", organization="UBND xã An "
                            "Bình", locality="Vĩnh Long"))
    document = tmp_path / "to-trinh.pdf"
    document.write_bytes(administrative_document())
    anchors = testbed.trust_anchor_paths()
    roots = [anchors["root-cv"], anchors["root-neac"]]
    sign = SignRequest(input=document, output=tmp_path / "out.pdf",
                       token_access=testbed.directory / record.access_file,
                       pin_file=testbed.directory / record.pin_file, token_label=record.label,
                       trust_roots=roots, tsa_url=None, level="B-B", moment=testbed.now())
    verify = VerifyRequest(input=document, trust_roots=roots, moment=testbed.now())
    return [KitCase("signer::basic::sign-b-b", sign, "Ký PAdES B-B", "Sign PAdES B-B"),
            KitCase("verifier::basic::unsigned", verify, "Tệp chưa ký", "Unsigned file")]


def _fill(results: Path, values: dict[str, dict[str, str]]) -> None:
    with results.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row.update(values.get(row["case_id"], {}))
    with results.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_a_kit_round_trips_to_answers(testbed: Testbed, tmp_path: Path) -> None:
    cases = _cases(testbed, tmp_path, "manual-kit-signer")
    kit = tmp_path / "kit"
    results = export_kit(kit, cases, program="Ví dụ GUI")
    pin = testbed.tokens.user_pin("manual-kit-signer")
    assert (kit / "PINS.txt").read_text() == f"manual-kit-signer: {pin}\n"
    assert stat.S_IMODE((kit / "PINS.txt").stat().st_mode) == 0o600
    for path in kit.rglob("*"):
        if path.is_file() and path.name != "PINS.txt" and path.suffix != ".pdf":
            assert pin.encode() not in path.read_bytes(), path
    assert (kit / "documents" / "to-trinh.pdf").exists()
    assert sorted(p.name for p in (kit / "trust").iterdir()) == ["root-cv.pem", "root-neac.pem"]
    checklist = (kit / "checklist.md").read_text()
    assert checklist.index("Việc cần làm") < checklist.index("To do")
    (kit / "signed" / "signer_basic_sign-b-b.pdf").write_bytes(b"%PDF-1.7 signed by hand")
    _fill(results, {
        "signer::basic::sign-b-b": {"result": "Đã ký", "result_text": "Ký số thành công"},
        "verifier::basic::unsigned": {"result": "không hợp lệ",
                                      "result_text": "Tài liệu không có chữ ký số",
                                      "integrity": "Không xác định"},
    })
    answers = import_results(results)
    signed = answers["signer::basic::sign-b-b"]
    assert signed.outcome is SignerOutcome.SIGNED  # type: ignore[union-attr]
    assert signed.output == str(kit / "signed" / "signer_basic_sign-b-b.pdf")  # type: ignore[union-attr]
    verified = answers["verifier::basic::unsigned"]
    assert isinstance(verified, VerifierAnswer)
    assert verified.signatures[0].indication is Indication.TOTAL_FAILED
    assert verified.signatures[0].display == {"integrity": "Không xác định",
                                              "result": "Tài liệu không có chữ ký số"}


def test_bad_results_are_refused_with_file_line_and_column(
        testbed: Testbed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KYSO_LANG", raising=False)  # the default: Vietnamese first
    results = export_kit(tmp_path / "kit", _cases(testbed, tmp_path, "manual-kit-bad"))
    assert import_results(results) == {}  # nothing played yet
    _fill(results, {"verifier::basic::unsigned": {"result": "có vẻ ổn"}})
    with pytest.raises(KitError, match=r"results\.csv:3: result: 'có vẻ ổn' không phải một "
                       r"trong: hợp lệ, không hợp lệ, không xác định .* / is not one of valid"):
        import_results(results)  # a tester's line: Vietnamese first, then English
    _fill(results, {"verifier::basic::unsigned": {"result": "", "case_id": "verifier::x::y"}})
    with pytest.raises(KitError, match=r"results\.csv:3: case_id: 'verifier::x::y' không phải "
                       "điểm kiểm tra của bộ này / is not a case of this kit"):
        import_results(results)
    results.write_text("case_id,role\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"results\.csv:1: header: thiếu cột 'what_to_do' / "
                       "missing column 'what_to_do'"):
        import_results(results)
    monkeypatch.setenv("KYSO_LANG", "en")
    with pytest.raises(KitError, match=r"results\.csv:1: header: missing column 'what_to_do'$"):
        import_results(results)


def test_a_kit_carries_the_trust_anchors_in_every_form(testbed: Testbed, tmp_path: Path) -> None:
    document = tmp_path / "to-trinh.pdf"
    document.write_bytes(administrative_document())
    anchors = testbed.trust_anchor_paths()

    def verify(*roots: str) -> VerifyRequest:
        return VerifyRequest(input=document, trust_roots=[anchors[r] for r in roots],
                             moment=testbed.now())

    cases = [KitCase("verifier::a", verify("root-cv", "root-neac"), "A"),
             KitCase("verifier::b", verify("root-neac", "root-cv"), "B")]
    export_kit(tmp_path / "kit", cases)
    stores = tmp_path / "kit" / "trust-stores"
    assert sorted(p.name for p in stores.iterdir()) == [
        "README.txt", "capath", "der", "nss", "pem", "pkcs12", "windows"]
    guide = (stores / "README.txt").read_text(encoding="utf-8-sig")
    for kind in ("NSS", "Java", "Windows and .NET", "OpenSSL"):
        assert kind in guide
    assert "not built" not in guide
    listing = subprocess.run(["certutil", "-L", "-d", f"sql:{stores / 'nss'}"],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert "root-cv" in listing and "root-neac" in listing and "C,C,C" in listing
    manifest = json.loads((tmp_path / "kit" / "kit.json").read_text(encoding="utf-8"))
    assert {case["trust_stores"] for case in manifest["cases"]} == {"trust-stores"}
    assert "trust-stores/" in (tmp_path / "kit" / "checklist.md").read_text(encoding="utf-8")

    cases.append(KitCase("verifier::c", verify("root-other"), "C"))
    export_kit(tmp_path / "kit-2", cases)
    manifest = json.loads((tmp_path / "kit-2" / "kit.json").read_text(encoding="utf-8"))
    folders = {case["case_id"]: case["trust_stores"] for case in manifest["cases"]}
    assert folders["verifier::a"] == folders["verifier::b"] != folders["verifier::c"]
    other = tmp_path / "kit-2" / folders["verifier::c"] / "pem" / "trust-anchors.pem"
    assert other.read_text() == anchors["root-other"].read_text()


def test_the_checklist_says_each_cases_format_and_files(testbed: Testbed, tmp_path: Path
                                                         ) -> None:
    """XML and CMS cases: the person is told the format (TT15 Annex I rows 1.4-1.7), a detached
    signature comes with the file it signs, and a signed file is saved under its kind's name."""
    from scenarios import SignatureFormat
    from testbed import word_document
    from testbed.xml_documents import invoice_document

    [sign_pdf, verify_pdf] = _cases(testbed, tmp_path, "manual-kit-formats")
    invoice, docx, p7s = tmp_path / "hoa-don.xml", tmp_path / "bien-ban.docx", tmp_path / "b.p7s"
    invoice.write_bytes(invoice_document())
    docx.write_bytes(word_document())
    p7s.write_bytes(b"0\x80 a signature, as the exported story made it")
    sign = sign_pdf.request
    cases = [
        KitCase("signer::f::sign-xades", replace(sign, input=invoice, level="B-T",
                                                 format=SignatureFormat.XADES), "Ký XAdES"),
        KitCase("signer::f::sign-cades", replace(sign, input=docx,
                                                 format=SignatureFormat.CADES), "Ký CAdES"),
        KitCase("verifier::f::verify-cms", replace(verify_pdf.request, input=p7s, content=docx,
                                                   format=SignatureFormat.CMS), "Kiểm tra CMS"),
        KitCase("verifier::f::verify-xmldsig", replace(verify_pdf.request, input=invoice,
                                                       format=SignatureFormat.XMLDSIG),
                "Kiểm tra hóa đơn")]
    kit = tmp_path / "kit"
    results = export_kit(kit, cases)
    manifest = {c["case_id"]: c for c in json.loads((kit / "kit.json").read_text())["cases"]}
    assert manifest["signer::f::sign-cades"]["output"] == "signed/signer_f_sign-cades.p7s"
    assert manifest["signer::f::sign-xades"]["output"] == "signed/signer_f_sign-xades.xml"
    assert manifest["verifier::f::verify-cms"]["format"] == "cms"
    assert manifest["verifier::f::verify-cms"]["content"] == "documents/bien-ban.docx"
    assert (kit / "documents" / "bien-ban.docx").read_bytes() == docx.read_bytes()
    checklist = (kit / "checklist.md").read_text()
    assert "định dạng XAdES (chữ ký XML, EN 319 132), mức B-T" in checklist
    assert "format detached CAdES, a .p7s file (EN 319 122), level B-B" in checklist
    assert "Kiểm tra chữ ký số tách rời documents/b.p7s (CMS/PKCS#7 tách rời, tệp .p7s) trên " \
        "tệp đã ký documents/bien-ban.docx" in checklist
    assert "XML-DSig nằm trong tài liệu, như hóa đơn điện tử" in checklist
    (kit / "signed" / "signer_f_sign-cades.p7s").write_bytes(b"0\x80 signed by hand")
    _fill(results, {"signer::f::sign-cades": {"result": "Đã ký", "result_text": "Đã ký"}})
    signed = import_results(results)["signer::f::sign-cades"]
    assert signed.output == str(kit / "signed" / "signer_f_sign-cades.p7s")  # type: ignore[union-attr]
