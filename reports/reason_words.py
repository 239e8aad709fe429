"""kyso's own words about a case (its reason, what was expected, what was found) in Vietnamese.

The judge writes why a case failed in English ("wrong indication", "display misses issuer");
the Vietnamese view of a report and the PDF record must say it in Vietnamese. A case built
today carries its Vietnamese reason (``reason_vi``); a results file written before it did, or a
reason no builder translated, is read here: every sentence kyso writes is a pattern below, and
:func:`vietnamese_words` turns each one it finds into Vietnamese, keeping what it quotes (the
software's own words, between quotes) verbatim. What it does not know it keeps as written, so
nothing is lost; :func:`is_translated` tells whether anything English is left.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_QUOTED = r"'[^']*'"
_CLASSES = {"valid": "hợp lệ", "invalid": "không hợp lệ", "indeterminate": "không xác định",
            "intact": "toàn vẹn", "not intact": "không toàn vẹn"}
FIELD_NAMES: dict[str, tuple[str, str]] = {
    "issuer": ("Tổ chức cung cấp dịch vụ chứng thực chữ ký số", "Issuing CA"),
    "signer": ("Chủ thể ký", "Signer"),
    "managing_unit": ("Đơn vị quản lý chứng thư chữ ký số", "Certificate-managing unit"),
    "signing_time": ("Thời điểm ký", "Signing time"),
    "integrity": ("Tính toàn vẹn", "Integrity"),
    "validity_at_signing_time": ("Tính hợp lệ của chữ ký tại thời điểm ký",
                                 "Validity of the signature at signing time"),
    "certificate_validity": ("Thời hạn hiệu lực của chứng thư chữ ký số",
                             "Certificate validity period"),
}
"""The seven fields of TT15-6.4.b (``DisplayField`` values) as the law names them."""
_MESSAGE_NAMES = {"result": "Kết quả kiểm tra", "signing result": "Kết quả ký"}


def field_words(name: str) -> str:
    """A display field or message named in a reason, in Vietnamese (unknown: as written)."""
    if name in FIELD_NAMES:
        return FIELD_NAMES[name][0]
    return _MESSAGE_NAMES.get(name, name)


def _class(value: str) -> str:
    return _CLASSES.get(value, value)


def _fields(names: str) -> str:
    return ", ".join(field_words(name.strip()) for name in names.split(","))


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _rule(pattern: str, render: str | Callable[[re.Match[str]], str]) -> _Rule:
    compiled = re.compile(pattern)
    if isinstance(render, str):
        template = render
        return compiled, lambda match: match.expand(template)
    return compiled, render


_FIELD = r"(?P<field>[a-z_]+|result|signing result)"
_RULES: list[_Rule] = [
    # the runner
    _rule(r"not as expected", "không như mong đợi"),
    _rule(r"as expected", "đúng như mong đợi"),
    _rule(r"warning: ", "cảnh báo: "),
    _rule(r"needs (?P<q>'[^']*'), which a skipped case would have produced",
          r"cần \g<q>, tệp mà một điểm kiểm tra bị bỏ qua lẽ ra đã tạo ra"),
    _rule(r"but (?P<ids>[\w.,\- ]+?) (?:is|are) mandatory, and a mandatory requirement is "
          r"never skipped",
          r"nhưng \g<ids> là yêu cầu bắt buộc, và yêu cầu bắt buộc không bao giờ được bỏ qua"),
    # a verifier's answer
    _rule(r"wrong indication", "kết quả kiểm tra (indication) sai"),
    _rule(r"the verifier reported no signature",
          "phần mềm kiểm tra không báo cáo chữ ký số nào"),
    _rule(r"no signature reported", "không báo cáo chữ ký số nào"),
    _rule(r"signature (?P<n>\d+) was not reported", r"chữ ký số thứ \g<n> không được báo cáo"),
    _rule(r"(?P<n>\d+) signature\(s\)", r"\g<n> chữ ký số"),
    _rule(r"sub-indication not among the accepted ones",
          "lý do chi tiết (sub-indication) không thuộc các giá trị được chấp nhận"),
    _rule(r"the person is told (?P<told>nothing we recognise|[a-z ]+?) in Vietnamese, "
          rf"not (?P<q>{_QUOTED})",
          lambda m: "người dùng được thông báo bằng tiếng Việt "
          + ("điều kyso không nhận ra được" if m["told"] == "nothing we recognise"
             else f"'{_class(m['told'])}'") + f", không phải {m['q']}"),
    _rule(r"HASH_FAILURE says a digest does not match, yet every digest matches: the document "
          r"was changed after signing in a way that is not allowed \(DISALLOWED_MODIFICATION; "
          r"EN 319 102-1 has no name for it\)",
          "HASH_FAILURE nghĩa là một giá trị băm không khớp, nhưng mọi giá trị băm đều khớp: "
          "tài liệu đã bị sửa đổi sau khi ký theo cách không được phép (DISALLOWED_MODIFICATION;"
          " EN 319 102-1 không có tên cho trường hợp này)"),
    _rule(r"evidence: ", "bằng chứng: "),
    _rule(rf"(?P<q>{_QUOTED}) is missing", r"thiếu \g<q>"),
    _rule(rf"(?P<q>{_QUOTED}) names (?P<v>.+?), which does not exist",
          r"\g<q> trỏ tới \g<v>, tệp không tồn tại"),
    _rule(r"'certificate' is not an X\.509 certificate \(DER or PEM\)",
          "'certificate' không phải chứng thư chữ ký số X.509 (DER hoặc PEM)"),
    _rule(r"'certificate' is not the signer's certificate \(it is (?P<v>[^)]*)\)",
          r"'certificate' không phải chứng thư chữ ký số của người ký (mà là \g<v>)"),
    _rule(r"'crl' is not a CRL \(DER or PEM\)", "'crl' không phải CRL (DER hoặc PEM)"),
    _rule(r"'crl' is not issued by the signer certificate's issuer \(it is (?P<v>[^)]*)\)",
          r"'crl' không do tổ chức cung cấp dịch vụ chứng thực chữ ký số đã cấp chứng thư của "
          r"người ký phát hành (mà là \g<v>)"),
    _rule(r"'status' is an empty file", "'status' là tệp rỗng"),
    _rule(r"certificate, CRL and status stored",
          "lưu chứng thư chữ ký số, CRL và trạng thái thu hồi"),
    # a signer's answer
    _rule(r"signed without warning although the status was unobtainable",
          "đã ký mà không cảnh báo dù không lấy được trạng thái thu hồi"),
    _rule(r"refused but left a signed document(?: behind)?",
          "từ chối ký nhưng vẫn để lại tài liệu đã ký"),
    _rule(r"the signer signed", "phần mềm ký đã ký"),
    _rule(r"the signer refused", "phần mềm ký từ chối ký"),
    _rule(r"a warning was expected", "lẽ ra phải có cảnh báo"),
    _rule(r"an unexpected warning", "có cảnh báo không mong đợi"),
    _rule(r"said 'signed' but wrote no document", "báo đã ký nhưng không ghi ra tài liệu nào"),
    _rule(r"a document written", "có tài liệu được ghi ra"),
    _rule(r"no document", "không có tài liệu"),
    _rule(r"warn-or-refuse", "cảnh báo hoặc từ chối ký"),
    _rule(r"signed\b(?!-)", "đã ký"),
    _rule(r"refused\b(?!-)", "từ chối ký"),
    _rule(r", with a warning", ", có cảnh báo"),
    _rule(r", no warning", ", không cảnh báo"),
    _rule(r"no warning", "không cảnh báo"),
    _rule(r"a warning", "có cảnh báo"),
    _rule(r"the signer is not told (?P<q>'[^']*') in Vietnamese",
          r"người ký không được thông báo \g<q> bằng tiếng Việt"),
    # what the person is shown
    _rule(r"display misses (?P<names>[a-z_, ]+)",
          lambda m: f"không hiển thị: {_fields(m['names'])}"),
    _rule(r"display: ", "hiển thị: "),
    _rule(rf"{_FIELD}: not shown", lambda m: f"{field_words(m['field'])}: không hiển thị"),
    _rule(r"not shown", "không hiển thị"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) says neither (?P<words>'[^']*'(?:, '[^']*')*) nor "
          rf"(?P<last>{_QUOTED}) in Vietnamese",
          lambda m: f"{field_words(m['field'])}: {m['q']} không nói {m['words']} hay "
          f"{m['last']} bằng tiếng Việt"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) says (?P<said>[a-z ]+?), expected (?P<want>not intact|"
          r"intact|valid|invalid|indeterminate)",
          lambda m: f"{field_words(m['field'])}: {m['q']} nói '{_class(m['said'])}', mong đợi "
          f"'{_class(m['want'])}'"),
    _rule(r" \(the document was changed after signing: (?P<how>[^)]*)\)",
          r" (tài liệu đã bị thay đổi sau khi ký: \g<how>)"),
    _rule(r" \(nothing changed the document after signing\)",
          " (không có gì thay đổi tài liệu sau khi ký)"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) names neither the issuing CA's CN nor its O \(",
          lambda m: f"{field_words(m['field'])}: {m['q']} không nêu tên (CN) hay tổ chức (O) "
          "của tổ chức cung cấp dịch vụ chứng thực chữ ký số đã cấp chứng thư ("),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) does not name the signer (?P<n>{_QUOTED})",
          lambda m: f"{field_words(m['field'])}: {m['q']} không nêu tên người ký {m['n']}"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) names neither the certificate's O nor OU \(",
          lambda m: f"{field_words(m['field'])}: {m['q']} không nêu tổ chức (O) hay đơn vị (OU) "
          "ghi trong chứng thư chữ ký số ("),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) does not show the signing time (?P<when>.+?) "
          r"\(±2 min\); found ",
          lambda m: f"{field_words(m['field'])}: {m['q']} không hiển thị thời điểm ký "
          f"{m['when']} (±2 phút); tìm thấy "),
    _rule(r"a date and time we can read", "không có ngày giờ nào đọc được"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) does not show the certificate's ",
          lambda m: f"{field_words(m['field'])}: {m['q']} không hiển thị của chứng thư chữ ký "
          "số: "),
    _rule(r" and notAfter", " và notAfter"),
    _rule(r" or ", " hoặc "),
    _rule(r"intact or not intact", "toàn vẹn hoặc không toàn vẹn"),
    _rule(r"any unit", "đơn vị bất kỳ"),
    _rule(r"the (?P<label>[a-z -]+), shown", r"hiển thị \g<label>"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) is Vietnamese written without diacritics",
          lambda m: f"{field_words(m['field'])}: {m['q']} là tiếng Việt viết không dấu"),
    _rule(r" \(read as such, but a person is owed proper Vietnamese\)",
          " (vẫn đọc được, nhưng người dùng cần được đọc tiếng Việt có dấu)"),
    _rule(rf"{_FIELD}: (?P<q>{_QUOTED}) read with a phrase declared by the vendor",
          lambda m: f"{field_words(m['field'])}: {m['q']} được đọc nhờ cụm từ do nhà cung cấp "
          "khai báo"),
    _rule(r"Vietnamese with diacritics", "tiếng Việt có dấu"),
    _rule(r"a phrase kyso reads", "cụm từ kyso đọc được"),
    # what the program did besides its answer (conformance.conduct)
    _rule(r"the PIN is never printed", "mã PIN không bao giờ bị in ra"),
    _rule(r"no process left running after the answer",
          "không còn tiến trình nào chạy sau khi trả lời"),
    _rule(r"only the files its case gives it are opened",
          "chỉ mở các tệp mà điểm kiểm tra giao cho nó"),
    _rule(r"no access the system refuses", "không có truy cập nào bị hệ thống từ chối"),
    _rule(r"writes only in its own directory and output folder",
          "chỉ ghi trong thư mục riêng và thư mục đầu ra"),
    _rule(r"the program printed the PIN on its stdout or stderr, or wrote it in a file \(",
          "phần mềm in mã PIN ra stdout hoặc stderr, hoặc ghi nó vào tệp ("),
    _rule(r"; redacted as \*\*\* in the evidence\)", "; đã che bằng *** trong bằng chứng)"),
    _rule(r"(?P<n>\d+) process\(es\) still running when its main process ended, killed by the "
          r"sandbox",
          r"\g<n> tiến trình vẫn chạy khi tiến trình chính đã kết thúc, bị hộp cát dừng"),
    _rule(r"(?P<n>\d+) attempt\(s\) to reach files its case did not give it \(hidden by the "
          r"sandbox\)", r"\g<n> lần tìm cách mở tệp không được giao (hộp cát đã ẩn)"),
    _rule(r"(?P<n>\d+) access\(es\) refused by the sandbox",
          r"\g<n> lần truy cập bị hộp cát từ chối"),
    _rule(r"(?P<n>\d+) write\(s\) outside its directory, contained by the sandbox",
          r"\g<n> lần ghi ra ngoài thư mục được giao, bị hộp cát giữ lại"),
    # no usable answer
    _rule(r"declared unsupported", "khai báo không hỗ trợ"),
    _rule(r"no usable answer", "không có câu trả lời dùng được"),
    _rule(r"the story could not be played", "không chạy được kịch bản"),
    _rule(r"not run", "không chạy"),
    _rule(r"stored", "đã lưu"),
    _rule(r"\(any\)", "(bất kỳ)"),
]
_SKIP = re.compile(rf"{_QUOTED}|[a-zA-Z]+|.", re.DOTALL)
"""What to copy when no rule starts here: a quotation (the software's words, kept verbatim),
one word, or one other character."""


def vietnamese_words(text: str) -> str:
    """``text`` with every sentence kyso writes turned into Vietnamese; quotations and
    anything unknown kept as written."""
    out: list[str] = []
    position = 0
    while position < len(text):
        for pattern, render in _RULES:
            match = pattern.match(text, position)
            if match is not None and match.end() > position:
                out.append(render(match))
                position = match.end()
                break
        else:
            skipped = _SKIP.match(text, position)
            assert skipped is not None
            out.append(skipped.group())
            position = skipped.end()
    return "".join(out)


_ENGLISH_WORDS = re.compile(r"\b[A-Za-z]{2,}\b[ ,;:-]+\b[A-Za-z]{2,}\b")
_VIETNAMESE_LETTER = re.compile(
    "[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)
_CODES = re.compile(r"\b[A-Z][A-Z0-9_]*(?:-[A-Z0-9_]+)*\b")
"""An indication, a sub-indication, a requirement ID: codes, the same in every language."""


def is_translated(vietnamese: str) -> bool:
    """Whether no part of the text (between semicolons), quotations and codes set aside, is
    English alone: two English words in a row and not one Vietnamese letter."""
    plain = _CODES.sub("#", re.sub(_QUOTED, "''", vietnamese))
    return not any(_ENGLISH_WORDS.search(part) and not _VIETNAMESE_LETTER.search(part)
                   for part in plain.split(";"))


__all__ = ["FIELD_NAMES", "field_words", "is_translated", "vietnamese_words"]
