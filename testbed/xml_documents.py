"""Real Vietnamese XML documents for the XML signature tests and scenarios (TT15 Annex I row 1.6).

Three kinds, each generated deterministically (the same arguments give the same bytes, so a
digest in a test or a scenario stays put) and encoded in UTF-8 with every diacritic written as
the character itself, never as a character reference:

* :func:`administrative_package`: a *công văn* as an electronic document package: số and ký
  hiệu, cơ quan ban hành, ngày ban hành, trích yếu, nội dung, nơi nhận, người ký (the fields of
  ND30/2020 Annex I, the metadata a document-exchange system carries);
* :func:`invoice_document`: a *hóa đơn giá trị gia tăng* laid out like the e-invoices Vietnamese
  invoicing software produces (``HDon/DLHDon[@Id]`` with người bán / người mua and their MST,
  lines, VAT and totals, and an empty ``DSCKS/NBan`` where the seller's enveloped XML-DSig
  goes);
* :func:`declaration_document`: a *tờ khai* (a tax declaration: period, taxpayer, figures).

No namespace is used for the content, as in the e-invoice schemas; nothing here signs.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

INVOICE_DATA_ID = "data"
"""The Id of the invoice's ``DLHDon`` element: what an e-invoice signature references."""


def _element(parent: etree._Element, tag: str, text: str | None = None,
             **attributes: str) -> etree._Element:
    child = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        child.text = text
    return child


def _fields(parent: etree._Element, values: dict[str, str]) -> None:
    for tag, text in values.items():
        _element(parent, tag, text)


def _serialise(root: etree._Element) -> bytes:
    """UTF-8 with an XML declaration, diacritics as characters, indented: a document as a person
    or a product would write it (the bytes depend only on the tree)."""
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def administrative_package(*, number: str = "125/SNV-VP", issued: date = date(2026, 11, 20),
                           agency: str = "Sở Nội vụ tỉnh Đồng Tháp",
                           signer: str = "Lê Thị Ánh Tuyết") -> bytes:
    """A công văn as an electronic document package: metadata, then the text."""
    root = etree.Element("GoiTinVanBan", PhienBan="1.0")
    metadata = _element(root, "ThongTinVanBan")
    symbol = number.split("/", 1)
    _fields(metadata, {
        "LoaiVanBan": "Công văn",
        "SoVanBan": symbol[0],
        "KyHieu": symbol[1] if len(symbol) > 1 else "",
        "CoQuanBanHanh": agency,
        "CoQuanChuQuan": "Ủy ban nhân dân tỉnh Đồng Tháp",
        "DiaDanh": "Đồng Tháp",
        "NgayBanHanh": issued.isoformat(),
        "TrichYeu": "V/v hướng dẫn triển khai chữ ký số trong hoạt động của cơ quan nhà nước",
    })
    content = _element(root, "NoiDung")
    for paragraph in (
        "Thực hiện Nghị định số 68/2024/NĐ-CP ngày 25 tháng 6 năm 2024 của Chính phủ quy định về "
        "chữ ký số chuyên dùng công vụ, Sở Nội vụ đề nghị các cơ quan, đơn vị triển khai ký số "
        "văn bản điện tử theo đúng quy định.",
        "Các đơn vị rà soát chứng thư chữ ký số của cán bộ, công chức, viên chức; đề nghị thu hồi "
        "kịp thời chứng thư của người đã nghỉ hưu, chuyển công tác hoặc bị mất thiết bị lưu khóa "
        "bí mật.",
        "Trong quá trình thực hiện, nếu có vướng mắc, đề nghị phản ánh về Sở Nội vụ (qua Văn phòng "
        "Sở) để được hướng dẫn.",
    ):
        _element(content, "DoanVan", paragraph)
    recipients = _element(root, "NoiNhan")
    for recipient in ("Các sở, ban, ngành tỉnh", "Ủy ban nhân dân các huyện, thành phố",
                      "Lưu: VT, VP"):
        _element(recipients, "DonVi", recipient)
    _fields(_element(root, "NguoiKy"), {"HoTen": signer, "ChucVu": "Giám đốc"})
    return _serialise(root)


_INVOICE_LINES = (
    ("Giấy in A4 Đông Á 70 gsm", "Ram", 20, 72_000),
    ("Mực in laser HP 107A", "Hộp", 4, 1_150_000),
    ("Dịch vụ bảo trì máy in (tháng 11/2026)", "Lần", 1, 850_000),
)
VAT_RATE_PERCENT = 10


def _party(parent: etree._Element, tag: str, values: dict[str, str]) -> None:
    _fields(_element(parent, tag), values)


def _invoice_lines(content: etree._Element) -> int:
    """The goods and services, one ``HHDVu`` each; returns the total before VAT."""
    lines = _element(content, "DSHHDVu")
    total = 0
    for number, (name, unit, quantity, price) in enumerate(_INVOICE_LINES, start=1):
        amount = quantity * price
        total += amount
        _fields(_element(lines, "HHDVu"), {
            "STT": str(number), "THHDVu": name, "DVTinh": unit, "SLuong": str(quantity),
            "DGia": str(price), "ThTien": str(amount), "TSuat": f"{VAT_RATE_PERCENT}%"})
    return total


def invoice_document(*, number: int = 1234, issued: date = date(2026, 11, 20)) -> bytes:
    """A VAT invoice shaped like a Vietnamese e-invoice: ``HDon/DLHDon[@Id=data]``, and an empty
    ``DSCKS/NBan`` for the seller's signature (enveloped, referencing ``#data``)."""
    root = etree.Element("HDon")
    data = _element(root, "DLHDon", Id=INVOICE_DATA_ID)
    _fields(_element(data, "TTChung"), {
        "PBan": "2.1.0", "THDon": "Hóa đơn giá trị gia tăng", "KHMSHDon": "1",
        "KHHDon": "C26TAA", "SHDon": str(number), "NLap": issued.isoformat(), "DVTTe": "VND",
        "HTTToan": "Chuyển khoản"})
    content = _element(data, "NDHDon")
    _party(content, "NBan", {
        "Ten": "Công ty Cổ phần Văn phòng phẩm Hồng Hà Miền Nam", "MST": "0301234567",
        "DChi": "Số 25 đường Nguyễn Thị Minh Khai, phường Bến Nghé, TP. Hồ Chí Minh",
        "SDThoai": "028 3822 1234"})
    _party(content, "NMua", {
        "Ten": "Sở Nội vụ tỉnh Đồng Tháp", "MST": "1400456789",
        "DChi": "Số 12 đường Lê Lợi, phường 1, thành phố Cao Lãnh, tỉnh Đồng Tháp",
        "HVTNMHang": "Nguyễn Văn Hùng"})
    before_vat = _invoice_lines(content)
    vat = before_vat * VAT_RATE_PERCENT // 100
    _fields(_element(content, "TToan"), {
        "TgTCThue": str(before_vat), "TgTThue": str(vat), "TgTTTBSo": str(before_vat + vat),
        "TgTTTBChu": "Bảy triệu năm trăm bảy mươi chín nghìn đồng"})
    _element(_element(root, "DSCKS"), "NBan")
    return _serialise(root)


def declaration_document(*, period: str = "10/2026", taxpayer: str = "0301234567") -> bytes:
    """A tờ khai thuế giá trị gia tăng (monthly VAT declaration): period, taxpayer, figures."""
    root = etree.Element("HSoThueDTu")
    declaration = _element(root, "HSoKhaiThue", Id="tokhai")
    _fields(_element(declaration, "TTinChung"), {
        "MauToKhai": "01/GTGT", "TenToKhai": "Tờ khai thuế giá trị gia tăng",
        "KyKKhai": period, "LoaiKy": "Tháng", "LanNop": "Lần đầu",
        "CQTQLy": "Chi cục Thuế khu vực Quận 1 - Quận 3, TP. Hồ Chí Minh"})
    _fields(_element(declaration, "NNT"), {
        "MST": taxpayer, "TenNNT": "Công ty Cổ phần Văn phòng phẩm Hồng Hà Miền Nam",
        "DChiNNT": "Số 25 đường Nguyễn Thị Minh Khai, phường Bến Nghé, TP. Hồ Chí Minh"})
    figures = _element(declaration, "CTieuTKhaiChinh")
    _fields(figures, {
        "ct23": "1250000000", "ct24": "125000000", "ct25": "125000000",
        "ct34": "1780000000", "ct35": "178000000", "ct40": "53000000"})
    _element(declaration, "GhiChu",
             "Người nộp thuế cam đoan số liệu khai trên là đúng và chịu trách nhiệm trước pháp "
             "luật về số liệu đã khai.")
    return _serialise(root)


XML_DOCUMENTS = {
    "cong-van": administrative_package,
    "hoa-don": invoice_document,
    "to-khai": declaration_document,
}
"""Every kind by a short name (the file stem tests and scenarios use)."""

__all__ = ["INVOICE_DATA_ID", "XML_DOCUMENTS", "administrative_package",
           "declaration_document", "invoice_document"]
