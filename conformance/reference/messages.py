"""What the reference verifier tells a person: Vietnamese first, English after.

* the result per :class:`~conformance.verdict.MessageClass` ("Chữ ký số hợp lệ", ...; the
  wording lives in :mod:`conformance.verdict`, TT15-6.4.a);
* a reason per EN 319 102-1 sub-indication, in both languages;
* the seven fields TT15-6.4.b asks a verifier to show, rendered from an oracle
  :class:`~conformance.oracle.SignatureResult`, labelled with
  :attr:`DisplayField.vietnamese_label`; times in ISO 8601 with the Vietnam offset (+07:00), as
  ND30/2020 Annex I writes them.

The texts are data here so that the verifier, the reports and the signer say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conformance.oracle import (
    CMS_SUB_FILTERS,
    CertificateInfo,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureResult,
    TimeSource,
)
from conformance.verdict import DisplayField, Indication, MessageClass, SubIndication
from testbed import VIETNAM


@dataclass(frozen=True)
class Message:
    """One message as shown to a person: Vietnamese first, English after."""

    vietnamese: str
    english: str

    def text(self) -> str:
        return f"{self.vietnamese} / {self.english}"


def vietnam_time(instant: datetime | None) -> str:
    """ISO 8601 in Vietnam time, whole seconds: ``2026-11-22T09:00:00+07:00``."""
    if instant is None:
        return "—"
    return instant.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def result_message(indication: Indication) -> Message:
    """The sentence TT15-6.4.a asks for, for an indication."""
    message_class = MessageClass.of(indication)
    return Message(message_class.vietnamese, message_class.english)


SUB_INDICATION_REASONS: dict[SubIndication, Message] = {
    SubIndication.FORMAT_FAILURE: Message(
        "Cấu trúc chữ ký hoặc tệp PDF không đúng định dạng",
        "The signature or the PDF is not correctly formed"),
    SubIndication.HASH_FAILURE: Message(
        "Nội dung tài liệu đã bị thay đổi sau khi ký",
        "The document was changed after it was signed"),
    SubIndication.SIG_CRYPTO_FAILURE: Message(
        "Giá trị chữ ký không khớp với khóa công khai của chứng thư",
        "The signature value does not verify with the certificate's public key"),
    SubIndication.REVOKED: Message(
        "Chứng thư chữ ký số đã bị thu hồi trước thời điểm ký",
        "The certificate was revoked before the signing time"),
    SubIndication.NOT_YET_VALID: Message(
        "Chứng thư chữ ký số chưa có hiệu lực tại thời điểm ký",
        "The certificate was not yet valid at the signing time"),
    SubIndication.SIG_CONSTRAINTS_FAILURE: Message(
        "Chữ ký không đáp ứng các ràng buộc của chính sách kiểm tra",
        "The signature does not meet the constraints of the validation policy"),
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: Message(
        "Đường dẫn chứng thực không đáp ứng các ràng buộc của chính sách kiểm tra",
        "The certification path does not meet the constraints of the validation policy"),
    SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE: Message(
        "Đường dẫn chứng thực của chứng thư chữ ký số không hợp lệ",
        "The certificate's certification path is not valid"),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: Message(
        "Thuật toán hoặc độ dài khóa không đáp ứng yêu cầu kỹ thuật (Phụ lục I Thông tư số "
        "15/2025/TT-BKHCN)",
        "The algorithm or key length does not meet the technical requirements (TT15 Annex I)"),
    SubIndication.EXPIRED: Message(
        "Chứng thư chữ ký số đã hết hạn tại thời điểm ký",
        "The certificate had expired at the signing time"),
    SubIndication.POLICY_PROCESSING_ERROR: Message(
        "Không xử lý được chính sách chữ ký", "The signature policy could not be processed"),
    SubIndication.SIGNATURE_POLICY_NOT_AVAILABLE: Message(
        "Không có chính sách chữ ký được yêu cầu",
        "The required signature policy is not available"),
    SubIndication.TIMESTAMP_ORDER_FAILURE: Message(
        "Thứ tự các dấu thời gian không hợp lệ", "The timestamps are not in a valid order"),
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: Message(
        "Không tìm thấy chứng thư chữ ký số của người ký",
        "The signer's certificate was not found"),
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: Message(
        "Chứng thư chữ ký số không được cấp bởi một tổ chức cung cấp dịch vụ chứng thực chữ ký "
        "số được tin cậy",
        "The certificate does not chain to a trusted root"),
    SubIndication.REVOKED_NO_POE: Message(
        "Chứng thư chữ ký số đã bị thu hồi và không có bằng chứng chữ ký được tạo trước thời "
        "điểm thu hồi",
        "The certificate is revoked and nothing proves the signature was made before"),
    SubIndication.REVOKED_CA_NO_POE: Message(
        "Chứng thư chữ ký số của tổ chức cung cấp dịch vụ chứng thực chữ ký số đã bị thu hồi "
        "và không có bằng chứng chữ ký được tạo trước đó",
        "An issuing CA certificate is revoked and nothing proves the signature was made before"),
    SubIndication.OUT_OF_BOUNDS_NO_POE: Message(
        "Chứng thư chữ ký số đã hết hạn hoặc chưa có hiệu lực và không có dấu thời gian chứng "
        "minh thời điểm ký",
        "The certificate is outside its validity period and no timestamp proves the signing "
        "time"),
    SubIndication.OUT_OF_BOUNDS_NOT_REVOKED: Message(
        "Chứng thư chữ ký số đã hết hạn (không bị thu hồi) và không có dấu thời gian chứng "
        "minh thời điểm ký",
        "The certificate has expired (not revoked) and no timestamp proves the signing time"),
    SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE: Message(
        "Thông tin thu hồi không nằm trong khoảng thời gian cần thiết",
        "The revocation information is outside the required time window"),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: Message(
        "Thuật toán đã không còn an toàn và không có bằng chứng chữ ký được tạo trước đó",
        "An algorithm is no longer secure and nothing proves the signature was made before"),
    SubIndication.NO_POE: Message(
        "Không có bằng chứng về thời điểm tồn tại của chữ ký",
        "There is no proof of when the signature existed"),
    SubIndication.TRY_LATER: Message(
        "Không lấy được trạng thái thu hồi của chứng thư chữ ký số (OCSP/CRL); hãy kiểm tra "
        "lại sau",
        "The certificate's revocation status could not be obtained (OCSP/CRL); try again later"),
    SubIndication.SIGNED_DATA_NOT_FOUND: Message(
        "Không tìm thấy dữ liệu đã được ký", "The signed data was not found"),
    SubIndication.DISALLOWED_MODIFICATION: Message(
        "Tài liệu đã bị sửa đổi sau khi ký theo cách người ký không cho phép (các giá trị băm "
        "vẫn khớp: phần đã ký không bị thay đổi)",
        "The document was modified after signing in a way its signer did not allow (every "
        "digest matches: the signed part was not changed)"),
}


DISALLOWED = SUB_INDICATION_REASONS[SubIndication.DISALLOWED_MODIFICATION]
"""What a person is told of a change after signing that was not allowed: the document, not the
signature, is what changed (the digests match)."""


def reason_message(result: SignatureResult) -> Message | None:
    """Why a signature is not valid (None when it is); the oracle's technical reason follows
    the English sentence."""
    if result.indication is Indication.TOTAL_PASSED:
        return None
    base = SUB_INDICATION_REASONS.get(result.sub_indication) if result.sub_indication else None
    if base is None:
        base = Message("Không kiểm tra được chữ ký số", "The signature could not be checked")
    return Message(base.vietnamese, f"{base.english} ({result.reason})")


_SOURCE_NAMES = {
    RevocationSource.OCSP: Message("OCSP trực tuyến", "online OCSP"),
    RevocationSource.CRL: Message("danh sách chứng thư bị thu hồi (CRL)", "CRL"),
    RevocationSource.EMBEDDED: Message("dữ liệu kiểm tra gắn trong tệp (DSS)",
                                       "validation data embedded in the file (DSS)"),
    RevocationSource.NONE: Message("không có", "none"),
}


def _sources(result: SignatureResult) -> Message:
    sources = result.revocation.sources or (result.revocation.source,)
    return Message(", ".join(_SOURCE_NAMES[s].vietnamese for s in sources),
                   ", ".join(_SOURCE_NAMES[s].english for s in sources))


def _joined(*parts: str | None) -> str:
    return ", ".join(part for part in parts if part)


def _issuer(certificate: CertificateInfo) -> Message:
    name = certificate.issuer_common_name or certificate.issuer
    if certificate.issuer_organisation:
        name = f"{name} ({certificate.issuer_organisation})"
    return Message(name, name)


def _signer(certificate: CertificateInfo) -> Message:
    text = _joined(certificate.common_name or certificate.subject, certificate.title)
    return Message(text, text)


def _managing_unit(certificate: CertificateInfo) -> Message:
    text = _joined(certificate.organisational_unit, certificate.organisation)
    return Message(text, text) if text else Message("Không ghi trong chứng thư",
                                                    "Not stated in the certificate")


def signing_time_message(result: SignatureResult) -> Message:
    time = result.signing_time
    when = vietnam_time(time.value)
    if time.source is TimeSource.SIGNATURE_TIMESTAMP:
        return Message(f"{when} (theo dấu thời gian)", f"{when} (from the signature timestamp)")
    if time.source is TimeSource.DOCUMENT_TIMESTAMP:
        return Message(f"{when} (dấu thời gian tài liệu)", f"{when} (document timestamp)")
    if time.source is TimeSource.CLAIMED:
        return Message(f"{when} (do người ký khai báo, không có dấu thời gian)",
                       f"{when} (claimed by the signer, no timestamp)")
    return Message("Không xác định", "Unknown")


def integrity_message(result: SignatureResult) -> Message:
    integrity = result.integrity
    if integrity is None:
        # nothing proves the content is as signed (no usable signature value): that is what
        # TT15-6.4.b's integrity field must tell, not a mere "could not be checked"
        return Message("Không đảm bảo tính toàn vẹn: không kiểm tra được chữ ký",
                       "Integrity not assured: the signature could not be checked")
    if not integrity.intact:
        return Message("Không toàn vẹn: nội dung đã ký đã bị thay đổi",
                       "Not intact: the signed content was changed")
    if integrity.coverage not in ("ENTIRE_FILE", "ENTIRE_REVISION"):
        return Message("Không toàn vẹn: chữ ký không bao phủ toàn bộ tài liệu",
                       "Not intact: the signature does not cover the whole document")
    if integrity.forbidden_only_by_certification:
        level = integrity.certification
        return Message(f"Tài liệu đã bị sửa đổi sau khi ký theo cách chữ ký chứng nhận không cho "
                       f"phép (DocMDP P={level}); các giá trị băm vẫn khớp",
                       f"Modified after signing in a way the certification signature does not "
                       f"allow (DocMDP P={level}); every digest matches"
                       + (f" ({integrity.changes})" if integrity.changes else ""))
    if integrity.docmdp_ok is False or integrity.modification_level == "OTHER":
        return Message(DISALLOWED.vietnamese, DISALLOWED.english
                       + (f" ({integrity.changes})" if integrity.changes else ""))
    if integrity.modification_level == "ANNOTATIONS":
        return Message("Toàn vẹn; sau khi ký chỉ có thêm ghi chú mà chữ ký chứng nhận cho phép "
                       f"(DocMDP P={integrity.certification})",
                       "Intact; only comments the certification permits were added after "
                       f"signing (DocMDP P={integrity.certification})"
                       + (f" ({integrity.changes})" if integrity.changes else ""))
    if integrity.modification_level == "FORM_FILLING":
        return Message("Toàn vẹn; sau khi ký chỉ có điền biểu mẫu được phép",
                       "Intact; only permitted form filling after signing"
                       + (f" ({integrity.changes})" if integrity.changes else ""))
    return Message("Toàn vẹn: tài liệu không bị thay đổi sau khi ký",
                   "Intact: the document was not changed after signing")


REVOCATION_REASONS: dict[str, Message] = {
    "unspecified": Message("không nêu lý do", "unspecified"),
    "key_compromise": Message("lộ khóa bí mật", "key compromise"),
    "ca_compromise": Message("lộ khóa bí mật của tổ chức cung cấp dịch vụ chứng thực chữ ký số",
                             "CA key compromise"),
    "affiliation_changed": Message("thay đổi thông tin về cơ quan, tổ chức của người ký",
                                   "affiliation changed"),
    "superseded": Message("được thay thế bằng chứng thư chữ ký số mới", "superseded"),
    "cessation_of_operation": Message("chấm dứt hoạt động", "cessation of operation"),
    "certificate_hold": Message("tạm dừng", "certificate hold (suspended)"),
    "remove_from_crl": Message("gỡ khỏi danh sách chứng thư bị thu hồi", "removed from the CRL"),
    "privilege_withdrawn": Message("bị rút quyền sử dụng", "privilege withdrawn"),
    "aa_compromise": Message("lộ khóa bí mật của tổ chức cấp thuộc tính",
                             "attribute authority compromise"),
}
"""RFC 5280 CRLReason codes in words: a person reads "lộ khóa bí mật", never ``key_compromise``."""


def revocation_reason_message(code: str | None) -> Message | None:
    """A revocation reason code (RFC 5280 CRLReason, as the CRL or OCSP response gives it) in
    words; an unknown code is shown with its underscores as spaces (None: no reason given)."""
    if not code:
        return None
    known = REVOCATION_REASONS.get(code.replace("-", "_"))
    if known is not None:
        return known
    spaced = code.replace("_", " ")
    return Message(f"mã lý do {spaced}", spaced)


def revocation_message(result: SignatureResult) -> Message:
    revocation = result.revocation
    sources = _sources(result)
    if revocation.status is RevocationStatus.GOOD:
        return Message(f"Chưa bị thu hồi (nguồn: {sources.vietnamese})",
                       f"Not revoked (source: {sources.english})")
    if revocation.status is RevocationStatus.REVOKED:
        when = vietnam_time(revocation.revoked_at)
        words = revocation_reason_message(revocation.reason)
        reason = f", lý do: {words.vietnamese}" if words else ""
        reason_en = f", reason: {words.english}" if words else ""
        return Message(f"Đã bị thu hồi lúc {when}{reason} (nguồn: {sources.vietnamese})",
                       f"Revoked at {when}{reason_en} (source: {sources.english})")
    if revocation.status is RevocationStatus.UNKNOWN:
        return Message("Không lấy được trạng thái thu hồi (OCSP và CRL không trả lời)",
                       "Revocation status not obtained (OCSP and CRL did not answer)")
    return Message("Chưa kiểm tra", "Not checked")


def validity_at_signing_message(result: SignatureResult) -> Message:
    """TT15-6.4.b 'tính hợp lệ của chữ ký số tại thời điểm ký'."""
    if result.indication is Indication.TOTAL_PASSED:
        revoked = result.revocation
        later = later_en = ""
        if revoked.status is RevocationStatus.REVOKED and revoked.revoked_at is not None:
            when = vietnam_time(revoked.revoked_at)
            later = f"; chứng thư bị thu hồi sau thời điểm ký, lúc {when}"
            later_en = f"; the certificate was revoked after signing, at {when}"
        return Message(
            f"Hợp lệ: chứng thư còn hiệu lực và chưa bị thu hồi tại thời điểm ký{later}",
            f"Valid: the certificate was within its validity and not revoked at the signing "
            f"time{later_en}")
    reason = reason_message(result)
    assert reason is not None
    if result.indication is Indication.TOTAL_FAILED:
        return Message(f"Không hợp lệ: {reason.vietnamese}", f"Invalid: {reason.english}")
    return Message(f"Không xác định được: {reason.vietnamese}",
                   f"Cannot be determined: {reason.english}")


def certificate_validity_message(certificate: CertificateInfo | None) -> Message:
    if certificate is None:
        return Message("Không xác định", "Unknown")
    start, end = vietnam_time(certificate.not_before), vietnam_time(certificate.not_after)
    return Message(f"Từ {start} đến {end}", f"From {start} to {end}")


def display_fields(result: SignatureResult) -> dict[DisplayField, Message]:
    """The seven TT15-6.4.b fields for one signature."""
    signer = result.signer
    unknown = Message("Không xác định", "Unknown")
    return {
        DisplayField.ISSUER: _issuer(signer) if signer else unknown,
        DisplayField.SIGNER: _signer(signer) if signer else unknown,
        DisplayField.MANAGING_UNIT: _managing_unit(signer) if signer else unknown,
        DisplayField.SIGNING_TIME: signing_time_message(result),
        DisplayField.INTEGRITY: integrity_message(result),
        DisplayField.VALIDITY_AT_SIGNING_TIME: validity_at_signing_message(result),
        DisplayField.CERTIFICATE_VALIDITY: certificate_validity_message(signer),
    }


def display_dict(result: SignatureResult) -> dict[str, str]:
    """The adapter-contract ``display``: the Vietnamese text of each field, plus 'result'."""
    shown = {field.value: message.vietnamese
             for field, message in display_fields(result).items()}
    shown["result"] = result_message(result.indication).vietnamese
    return shown


_LABELS_EXTRA = {
    "serial": Message("Số hiệu chứng thư", "Certificate serial number"),
    "revocation": Message("Trạng thái thu hồi", "Revocation status"),
    "algorithm": Message("Thuật toán", "Algorithm"),
    "level": Message("Định dạng", "Format"),
    "reason": Message("Lý do", "Reason"),
}


def signature_lines(result: SignatureResult, index: int, *, english: bool) -> list[str]:
    """The block of text for one signature, in one language."""
    pick = (lambda message: message.english) if english else (lambda message: message.vietnamese)
    if result.kind is SignatureKind.DOCUMENT_TIMESTAMP:
        title = Message(f"Dấu thời gian tài liệu {index}", f"Document timestamp {index}")
    else:
        title = Message(f"Chữ ký {index}", f"Signature {index}")
    field_note = f" ({result.field_name})" if result.field_name else ""
    lines = [f"{pick(title)}{field_note}: {pick(result_message(result.indication))}"]
    fields = display_fields(result)

    def line(label: Message | str, value: Message | str) -> None:
        label_text = label if isinstance(label, str) else pick(label)
        value_text = value if isinstance(value, str) else pick(value)
        lines.append(f"  {label_text}: {value_text}")

    def field_label(field: DisplayField) -> str:
        return field.english_label if english else field.vietnamese_label

    for field in (DisplayField.SIGNER, DisplayField.MANAGING_UNIT, DisplayField.ISSUER):
        line(field_label(field), fields[field])
    if result.signer is not None:
        line(_LABELS_EXTRA["serial"], f"{result.signer.serial_hex} ({result.signer.serial})")
    line(field_label(DisplayField.CERTIFICATE_VALIDITY), fields[DisplayField.CERTIFICATE_VALIDITY])
    line(field_label(DisplayField.SIGNING_TIME), fields[DisplayField.SIGNING_TIME])
    if result.kind is SignatureKind.SIGNATURE:
        line(_LABELS_EXTRA["revocation"], revocation_message(result))
    line(field_label(DisplayField.INTEGRITY), fields[DisplayField.INTEGRITY])
    line(field_label(DisplayField.VALIDITY_AT_SIGNING_TIME),
         fields[DisplayField.VALIDITY_AT_SIGNING_TIME])
    if result.algorithm is not None:
        algorithm = result.algorithm
        key = f"{algorithm.key_algorithm.upper()}-{algorithm.key_size}"
        line(_LABELS_EXTRA["algorithm"],
             f"{algorithm.signature_algorithm}, {algorithm.digest_algorithm}, {key}")
    if result.signature_format is not None:
        line(_LABELS_EXTRA["level"], format_message(result))
    reason = reason_message(result)
    if reason is not None:
        line(_LABELS_EXTRA["reason"], reason)
    return lines


def format_message(result: SignatureResult) -> Message:
    """What the signature is, by the format it declares: a PAdES baseline level (EN 319 142-1),
    or a plain CMS signature (ISO 32000-1, the CMS profile of EN 319 142-2), never labelled
    PAdES baseline whatever timestamps it carries."""
    shown = result.signature_format or ""
    if result.pades_level is not None:
        return Message(f"{shown} (ETSI EN 319 142-1)", f"{shown} (ETSI EN 319 142-1)")
    if result.kind is SignatureKind.SIGNATURE and result.sub_filter in CMS_SUB_FILTERS:
        return Message(f"{shown}: chữ ký CMS theo ISO 32000-1 / ETSI EN 319 142-2, không phải "
                       "PAdES baseline", f"{shown}: a CMS signature per ISO 32000-1 / ETSI EN "
                       "319 142-2, not a PAdES baseline signature")
    return Message(shown, shown)


NO_SIGNATURE = Message("Tài liệu không có chữ ký số", "The document has no digital signature")


__all__ = [
    "NO_SIGNATURE", "REVOCATION_REASONS", "SUB_INDICATION_REASONS", "Message",
    "certificate_validity_message", "display_dict", "display_fields", "format_message",
    "integrity_message", "reason_message", "result_message", "revocation_message",
    "revocation_reason_message", "signature_lines", "signing_time_message",
    "validity_at_signing_message", "vietnam_time",
]
