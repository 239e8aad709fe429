"""The non-PDF files detached CMS signatures are shown on: a .docx and a .zip dossier."""

from __future__ import annotations

import subprocess
import zipfile
from io import BytesIO
from pathlib import Path

from lxml import etree

from testbed import word_document, zip_package
from testbed.file_documents import DEFAULT_PARAGRAPHS, word_document_text


def test_word_document_is_a_minimal_ooxml_package_with_vietnamese_text() -> None:
    data = word_document()
    with zipfile.ZipFile(BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert names[0] == "[Content_Types].xml"  # ECMA-376 part 2: the content types part
        assert {"_rels/.rels", "word/document.xml"} <= set(names)
        types = etree.fromstring(archive.read("[Content_Types].xml"))
        overrides = {element.get("PartName"): element.get("ContentType")
                     for element in types if element.get("PartName")}
        assert overrides["/word/document.xml"].endswith("document.main+xml")
        target = etree.fromstring(archive.read("_rels/.rels"))[0].get("Target")
        assert target == "word/document.xml"
    assert word_document_text(data) == list(DEFAULT_PARAGRAPHS)
    assert "Ủ" in DEFAULT_PARAGRAPHS[0] and "Độc lập" in DEFAULT_PARAGRAPHS[1]


def test_files_are_deterministic_and_differ_by_content() -> None:
    assert word_document() == word_document()
    assert zip_package() == zip_package()
    assert word_document(["Điều 1."]) != word_document(["Điều 2."])


def test_zip_package_is_read_by_unzip_with_vietnamese_names(tmp_path: Path) -> None:
    path = tmp_path / "ho-so.zip"
    path.write_bytes(zip_package())
    listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True,
                             check=True, timeout=30).stdout
    assert "phu-luc/kế-hoạch.txt" in listing and "quyet-dinh.docx" in listing
    checked = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True,
                             check=False, timeout=30)
    assert checked.returncode == 0, checked.stdout
