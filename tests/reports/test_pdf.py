"""The PDF biên bản: embedded Vietnamese font, text that extracts, pages rendered to images, long
tables continued over pages, and a free signature box that a PAdES signature can use."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from reports.errors import FontMissingError
from reports.pdf import A4, SIGNATURE_BOX, render_pdf
from reports.results import RequirementResult, Results, Text, Verdict
from tests.reports.conftest import run_tool


def _write(tmp_path: Path, pdf: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _pages(path: Path) -> int:
    info = run_tool(["pdfinfo", str(path)]).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_the_record_embeds_dejavu_and_its_vietnamese_text_extracts(
        results: Results, tmp_path: Path) -> None:
    path = _write(tmp_path, render_pdf(results, results_sha256="ef" * 32))
    fonts = run_tool(["pdffonts", str(path)]).stdout.splitlines()[2:]
    assert len(fonts) == 2 and all("DejaVuSans" in font for font in fonts)
    assert all(font.split()[-5:-2] == ["yes", "yes", "yes"] for font in fonts)  # emb sub uni
    text = run_tool(["pdftotext", "-enc", "UTF-8", str(path), "-"]).stdout
    for words in ("BIÊN BẢN KẾT QUẢ KIỂM THỬ", "PHẦN MỀM KÝ SỐ / KIỂM TRA CHỮ KÝ SỐ",
                  "Công ty Phần mềm Ánh Dương", "YÊU CẦU BẮT BUỘC KHÔNG ĐẠT (4)",
                  "Kiểm tra trạng thái chứng thư", "ef" * 32,
                  "ĐẠI DIỆN PHÒNG THỬ NGHIỆM",
                  "2026-11-22T09:30:00+07:00"):
        assert words in text, words


def test_the_pages_render_to_images(results: Results, tmp_path: Path, artifacts: Path) -> None:
    path = _write(tmp_path, render_pdf(results))
    run_tool(["pdftoppm", "-png", "-r", "60", str(path), str(tmp_path / "page")])
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == _pages(path) >= 1
    for image in images:
        assert image.read_bytes()[:4] == b"\x89PNG" and image.stat().st_size > 10_000
        shutil.copy(image, artifacts / f"report-pdf-{image.name}")


def _many_requirements(results: Results, count: int) -> Results:
    template = results.requirements[0]
    results.requirements = [
        RequirementResult(id=f"TT15-6.{number}.a", clause=f"TT 15/2025/TT-BKHCN Điều 6 khoản "
                          f"{number} điểm a", confidence="VERIFIED", level="mandatory",
                          statement=Text(vi=f"Yêu cầu số {number}: hiển thị đúng tên người ký "
                                            "có dấu và kiểm tra trạng thái chứng thư chữ ký số",
                                         en=f"Requirement {number}"),
                          verdict=Verdict.PASS if number % 3 else Verdict.FAIL,
                          cases=template.cases)
        for number in range(1, count + 1)]
    return results


def test_a_long_requirement_table_continues_with_its_header(
        results: Results, tmp_path: Path) -> None:
    path = _write(tmp_path, render_pdf(_many_requirements(results, 70)))
    pages = _pages(path)
    assert pages >= 3
    for page in range(2, pages + 1):
        text = run_tool(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8",
                         str(path), "-"]).stdout
        if "TT15-6." in text:
            assert "Mã yêu cầu" in text, f"page {page} continues the table without its header"
        assert f"Trang {page}/{pages}" in text
    everything = run_tool(["pdftotext", "-enc", "UTF-8", str(path), "-"]).stdout
    assert all(f"TT15-6.{number}.a" in everything for number in range(1, 71))


@pytest.mark.parametrize("requirements", [9, 28, 70])
def test_the_signature_box_on_the_last_page_is_left_empty(
        results: Results, tmp_path: Path, requirements: int) -> None:
    path = _write(tmp_path, render_pdf(_many_requirements(results, requirements)))
    last = _pages(path)
    x1, y1, x2, y2 = SIGNATURE_BOX.box
    inside = run_tool(["pdftotext", "-f", str(last), "-l", str(last), "-x", str(x1),
                       "-y", str(int(A4[1]) - y2), "-W", str(x2 - x1), "-H", str(y2 - y1),
                       "-r", "72", str(path), "-"]).stdout
    assert inside.strip() == ""
    above = run_tool(["pdftotext", "-f", str(last), "-l", str(last), "-enc", "UTF-8",
                      str(path), "-"]).stdout
    assert "ĐẠI DIỆN PHÒNG THỬ NGHIỆM" in above


def test_the_record_takes_a_visible_pades_signature_in_the_box(
        results: Results, tmp_path: Path, artifacts: Path) -> None:
    """What the lead's signing step does, with a throwaway self-signed certificate: the
    unsigned bytes accept an incremental PAdES signature in SIGNATURE_BOX, and pdfsig finds
    the signature intact."""
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Phòng thử nghiệm kyso")])
    now = datetime(2026, 11, 22, tzinfo=UTC)
    certificate = (cx509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(1)
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=3650))
                   .sign(key, hashes.SHA256()))
    signer = signers.SimpleSigner(
        signing_cert=x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None)
    output = BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(render_pdf(results))),
        signers.PdfSignatureMetadata(field_name="KysoTestLab",
                                     subfilter=fields.SigSeedSubFilter.PADES),
        signer=signer, output=output,
        new_field_spec=fields.SigFieldSpec("KysoTestLab", on_page=SIGNATURE_BOX.page,
                                           box=SIGNATURE_BOX.box))
    path = _write(tmp_path, output.getvalue(), "signed.pdf")
    report = run_tool(["pdfsig", "-nocert", str(path)]).stdout
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report or "Signature Field Name: KysoTestLab" in report
    run_tool(["pdftoppm", "-png", "-r", "60", "-f", str(_pages(path)), "-l", str(_pages(path)),
              str(path), str(tmp_path / "signed")])
    for image in tmp_path.glob("signed-*.png"):
        shutil.copy(image, artifacts / f"report-pdf-signed-{image.name}")


def test_a_missing_font_is_one_clear_error(results: Results, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.pdf

    monkeypatch.setattr(reports.pdf, "REGULAR_FONT", tmp_path / "DejaVuSans.ttf")
    with pytest.raises(FontMissingError, match="apt-get install -y fonts-dejavu-core"):
        render_pdf(results)
