"""Words beside a verification code: ``TOTAL-FAILED (không hợp lệ / invalid)``.

EN 319 102-1's indications and sub-indications are codes; a tester at a lab reads words. Where
the adapter check, the kit or a refusal shows a code to a person, it shows the code (what the
standard and the vendor's logs say) followed by what it means, Vietnamese first.
"""

from __future__ import annotations

from bilingual import say
from scenarios import Indication, SubIndication

INDICATION_WORDS: dict[str, tuple[str, str]] = {
    Indication.TOTAL_PASSED: ("hợp lệ", "valid"),
    Indication.TOTAL_FAILED: ("không hợp lệ", "invalid"),
    Indication.INDETERMINATE: ("không xác định", "indeterminate"),
}

SUB_INDICATION_WORDS: dict[str, tuple[str, str]] = {
    SubIndication.FORMAT_FAILURE: ("sai định dạng", "format failure"),
    SubIndication.HASH_FAILURE: ("giá trị băm không khớp: văn bản đã bị thay đổi",
                                 "hash mismatch: the document was changed"),
    SubIndication.SIG_CRYPTO_FAILURE: ("chữ ký số sai về mật mã", "signature value is wrong"),
    SubIndication.REVOKED: ("chứng thư chữ ký số đã bị thu hồi", "certificate revoked"),
    SubIndication.NOT_YET_VALID: ("chứng thư chữ ký số chưa có hiệu lực",
                                  "certificate not yet valid"),
    SubIndication.SIG_CONSTRAINTS_FAILURE: ("không đạt ràng buộc của chữ ký",
                                            "signature constraints not met"),
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: ("không đạt ràng buộc của chuỗi chứng thư",
                                              "chain constraints not met"),
    SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE: ("lỗi chuỗi chứng thư",
                                                      "certificate chain failure"),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: ("thuật toán mật mã không được chấp nhận",
                                               "cryptographic algorithm not accepted"),
    SubIndication.EXPIRED: ("chứng thư chữ ký số đã hết hiệu lực", "certificate expired"),
    SubIndication.POLICY_PROCESSING_ERROR: ("lỗi xử lý chính sách chữ ký",
                                            "signature policy error"),
    SubIndication.SIGNATURE_POLICY_NOT_AVAILABLE: ("không có chính sách chữ ký",
                                                   "signature policy not available"),
    SubIndication.TIMESTAMP_ORDER_FAILURE: ("thứ tự dấu thời gian sai",
                                            "timestamps out of order"),
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: ("không tìm thấy chứng thư chữ ký số của người ký",
                                                 "no signing certificate found"),
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: ("không dựng được chuỗi chứng thư đến CA tin cậy",
                                               "no chain to a trusted CA"),
    SubIndication.REVOKED_NO_POE: ("đã bị thu hồi, không có bằng chứng chữ ký có trước",
                                   "revoked, no proof the signature came before"),
    SubIndication.REVOKED_CA_NO_POE: ("chứng thư của CA đã bị thu hồi, không có bằng chứng "
                                      "chữ ký có trước",
                                      "CA certificate revoked, no proof of existence"),
    SubIndication.OUT_OF_BOUNDS_NO_POE: ("ngoài thời hạn hiệu lực, không có bằng chứng tồn tại",
                                         "outside validity, no proof of existence"),
    SubIndication.OUT_OF_BOUNDS_NOT_REVOKED: ("ngoài thời hạn hiệu lực, chưa bị thu hồi",
                                              "outside validity, not revoked"),
    SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE: (
        "thông tin thu hồi ngoài thời hạn, không có bằng chứng tồn tại",
        "revocation information out of bounds, no proof of existence"),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: (
        "thuật toán không còn được chấp nhận, không có bằng chứng tồn tại",
        "algorithm no longer accepted, no proof of existence"),
    SubIndication.NO_POE: ("không có bằng chứng tồn tại", "no proof of existence"),
    SubIndication.TRY_LATER: ("chưa có thông tin thu hồi: thử lại sau",
                              "revocation information not yet available: try later"),
    SubIndication.SIGNED_DATA_NOT_FOUND: ("không tìm thấy dữ liệu được ký",
                                          "signed data not found"),
    SubIndication.DISALLOWED_MODIFICATION: ("văn bản bị sửa đổi sau khi ký theo cách không "
                                            "được phép", "a modification after signing that is "
                                            "not allowed"),
}


def with_words(code: str) -> str:
    """``code (Vietnamese / English)`` for an indication or sub-indication; the code alone for
    one kyso has no words for (a vendor's own code)."""
    words = INDICATION_WORDS.get(code) or SUB_INDICATION_WORDS.get(code)
    return f"{code} ({say(*words)})" if words else code


__all__ = ["INDICATION_WORDS", "SUB_INDICATION_WORDS", "with_words"]
