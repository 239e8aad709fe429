"""The reference programs speak the law's terms: no raw code, no retired wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.reference.messages import REVOCATION_REASONS, revocation_reason_message

ROOT = Path(__file__).resolve().parents[2]
RETIRED = ("Chứng thư số", "chứng thư số", "tổ chức cung cấp dịch vụ tin cậy",
           "chữ ký chứng thực", "quyền chứng thực", "Hiệu lực tại thời điểm ký", "dấu vân tay",
           "Nghiêm trọng", "KIỂM TRA PHẦN MỀM KIỂM TRA", "TT15 Phụ lục", "ký tự khai lùi")
"""Wordings issue 21 retired: 'chứng thư chữ ký số', the CA named in full, 'chữ ký chứng nhận',
'giá trị băm', 'Không đạt' and clauses cited in Vietnamese order replace them."""
OWNED = ["reports", "conformance", "scenarios", "testbed", "bilingual"]
"""kyso's own words (the emulators play other vendors' products and keep their phrases)."""


def test_a_revocation_reason_is_said_in_words() -> None:
    compromise = revocation_reason_message("key_compromise")
    assert compromise is not None and compromise.vietnamese == "lộ khóa bí mật"
    assert compromise.english == "key compromise"
    assert revocation_reason_message(None) is None
    unknown = revocation_reason_message("some_new_reason")
    assert unknown is not None and "_" not in unknown.vietnamese + unknown.english
    assert all("_" not in words.vietnamese for words in REVOCATION_REASONS.values())


@pytest.mark.parametrize("owned", OWNED)
def test_retired_wordings_are_gone(owned: str) -> None:
    path = ROOT / owned
    files = [path] if path.is_file() else sorted(
        file for pattern in ("*.py", "*.yaml") for file in path.rglob(pattern))
    found = [(str(file.relative_to(ROOT)), wording) for file in files
             for wording in RETIRED if wording in file.read_text(encoding="utf-8")]
    assert not found
