"""The reference tools' argument tables: ``kyso sign``, ``kyso verify`` (and ``--defect``) and
``kyso extend`` (raise a signed PDF to B-LT/B-LTA, renew its archive timestamp).

The reference signer and verifier (:mod:`conformance.reference.signer`,
:mod:`conformance.reference.verifier`) load pyHanko, aiohttp and the PKCS#11 bindings; they are
imported when one of these commands runs, never while the parser is built. ``--defect NAME``
runs a deliberately defective variant (:mod:`conformance.reference.defects`) instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say
from conformance.reference.signature_levels import SignatureLevel

from .parsing import DEFAULT_TESTBED, enum_choices

if TYPE_CHECKING:
    from .parsing import Subcommands

IGNORE_REVOCATION = "ignore-revocation"
NO_VALIDITY_CHECK = "no-validity-check"
FORMATS = "pades, xades, xmldsig, cades, cms"
"""The formats of ``--format`` (:class:`scenarios.SignatureFormat`), named without loading it."""
"""Defects named as examples in the help (the defect table itself loads the reference tools)."""


def add_commands(commands: Subcommands) -> None:
    """Add ``sign``, ``verify`` and ``extend`` to the root command."""
    _add_verify(commands)
    _add_sign(commands)
    _add_extend(commands)


def _defect_help(defect: str) -> str:
    """``--defect``'s help, naming one defect of the tool as an example."""
    return say(f"chạy một biến thể cố ý có lỗi thay vào (xem 'kyso mutants'), ví dụ {defect}",
               f"run a deliberately defective variant instead (see 'kyso mutants'), "
               f"e.g. {defect}")


def _add_verify(commands: Subcommands) -> None:
    verify = commands.add_parser("verify", help=say(
        "kiểm tra chữ ký số của một tệp PDF, XML hoặc chữ ký CMS (.p7s)",
        "verify the signatures of a PDF, an XML document or a CMS signature (.p7s)"))
    verify.set_defaults(handler=run_verify)
    verify.add_argument("file", type=Path, help=say(
        "tệp cần kiểm tra: PDF, XML đã ký, hoặc chữ ký tách rời .p7s",
        "the file to check: a PDF, a signed XML document, or a detached .p7s"))
    verify.add_argument("--format", metavar="FORMAT", help=say(
        f"{FORMATS} (mặc định: nhận ra từ tệp)", f"{FORMATS} (default: recognised from the "
        "file)"))
    verify.add_argument("--content", type=Path, metavar="FILE", help=say(
        "nội dung đã ký của chữ ký tách rời (.p7s CAdES/CMS, XAdES detached)",
        "the signed content of a detached signature (a CAdES/CMS .p7s, detached XAdES)"))
    verify.add_argument("--trust", type=Path, action="append", default=[], help=say(
        "chứng thư chữ ký số gốc tin cậy: một tệp PEM/DER hoặc một thư mục chứa chúng (lặp lại "
        "được)", "trusted root certificate(s): a PEM/DER file or a directory of them "
        "(repeatable)"))
    verify.add_argument("--testbed", "--dir", dest="testbed", type=Path, help=say(
        "tin các gốc của testbed này, dùng dịch vụ của nó và kiểm tra tại thời điểm của nó "
        "(mặc định khi không có --trust: $KYSO_TESTBED, nếu không thì out/testbed, nếu không "
        "thì phòng thử nghiệm của demo out/demo/lab)",
        "trust this testbed's roots, use its services and validate at its instant (default "
        "without --trust: $KYSO_TESTBED, else out/testbed, else the demo's lab out/demo/lab)"))
    verify.add_argument("--at", help=say(
        "thời điểm kiểm tra, ISO 8601 (không có múi giờ: giờ Việt Nam); mặc định: thời điểm "
        "của testbed, hoặc bây giờ", "validation time, ISO 8601 (without a zone: Vietnam "
        "time); default: the testbed's instant, or now"))
    verify.add_argument("--json", action="store_true", help=say(
        "in JSON VerifierAnswer (hợp đồng adapter v1)",
        "print the VerifierAnswer JSON (adapter contract v1)"))
    verify.add_argument("--offline", action="store_true", help=say(
        "chỉ dùng dữ liệu kiểm tra mà tài liệu mang theo (DSS, CMS): không hỏi OCSP hay CRL, "
        "như một kho lưu trữ không có mạng", "use only the validation data the document "
        "carries (DSS, the CMS): no OCSP or CRL request, as in an archive without network"))
    verify.add_argument("--defect", help=_defect_help(IGNORE_REVOCATION))


def _add_sign(commands: Subcommands) -> None:
    sign = commands.add_parser("sign", help=say(
        "ký số một tệp trên token bằng phần mềm ký tham chiếu (PAdES, XAdES, XML-DSig, "
        "CAdES, CMS)", "sign a file on a token with the reference signer (PAdES, XAdES, "
        "XML-DSig, CAdES, CMS)"))
    sign.set_defaults(handler=run_sign)
    sign.add_argument("input", type=Path, help=say(
        "tệp cần ký: PDF, tài liệu XML hoặc tệp bất kỳ (chữ ký tách rời)",
        "the file to sign: a PDF, an XML document or any file (a detached signature)"))
    sign.add_argument("output", type=Path, help=say(
        "nơi ghi tệp đã ký, hoặc chữ ký tách rời .p7s (không ghi gì khi từ chối)",
        "where the signed file, or the detached .p7s, goes (never on refusal)"))
    sign.add_argument("--token", required=True, help=say("nhãn token của thuê bao",
                                                         "label of the subscriber's token"))
    sign.add_argument("--testbed", "--dir", dest="testbed", type=Path, default=DEFAULT_TESTBED,
                      help=say("thư mục testbed: truy cập token, mã PIN, gốc tin cậy, TSA, "
                               "đồng hồ (mặc định: $KYSO_TESTBED hoặc out/testbed)",
                               "testbed directory: token access, PIN, trust roots, TSA, clock "
                               "(default: $KYSO_TESTBED or out/testbed)"))
    sign.add_argument("--pin-file", type=Path, help=say(
        "tệp mã PIN người dùng (mặc định: của testbed)", "user PIN file (default: the "
        "testbed's)"))
    sign.add_argument("--format", metavar="FORMAT", help=say(
        f"{FORMATS} (mặc định: theo tệp vào: PDF → pades, XML → xades, tệp khác → cades, "
        "chữ ký tách rời OUTPUT.p7s)", f"{FORMATS} (default: by the input: PDF → pades, XML → "
        "xades, any other file → cades, a detached OUTPUT.p7s)"))
    sign.add_argument("--form", metavar="FORM", help=say(
        "chữ ký XML: enveloped (trong tài liệu, mặc định) hoặc detached (tệp riêng)",
        "XML signatures: enveloped (inside the document, the default) or detached (a file of "
        "its own)"))
    sign.add_argument("--level", default=None, metavar="LEVEL",
                      help=say("%(choices)s (mặc định B-LT; xmldsig: B-B; cms: không có mức)",
                               "%(choices)s (default B-LT; xmldsig: B-B; cms: no level)"),
                      **enum_choices(SignatureLevel, parse=SignatureLevel.parse))
    sign.add_argument("--visible", help=say(
        "PAGE,X1,Y1,X2,Y2: chữ ký hiện trên trang (trang đếm từ 1)",
        "PAGE,X1,Y1,X2,Y2: a visible signature (page from 1)"))
    sign.add_argument("--reason", help=say("lý do ký", "reason for signing"))
    sign.add_argument("--location", help=say("nơi ký", "where it is signed"))
    sign.add_argument("--field", help=say(
        "tên trường chữ ký (mặc định: ChuKyN, trường trống đầu tiên)",
        "signature field name (default: ChuKyN, first free)"))
    sign.add_argument("--name", help=say("tên người ký hiện trên chữ ký (mặc định: CN)",
                                         "signer name shown in the appearance (default: CN)"))
    sign.add_argument("--org", help=say("cơ quan, tổ chức hiện trên chữ ký (mặc định: O)",
                                        "organisation shown in the appearance (default: O)"))
    sign.add_argument("--rsa-pss", action="store_true", help=say("khóa RSA: RSASSA-PSS",
                                                                 "RSA keys: RSASSA-PSS"))
    sign.add_argument("--tsa-url", help=say(
        "nhà cung cấp dịch vụ cấp dấu thời gian (mặc định: của testbed)",
        "timestamp authority (default: the testbed's)"))
    sign.add_argument("--module", help=say(
        "mô-đun PKCS#11 nạp thay cho mô-đun trong tệp truy cập (ví dụ pkcs11-spy chuyển tiếp "
        "tới nó)", "PKCS#11 module to load instead of the access file's (e.g. pkcs11-spy "
        "forwarding to it)"))
    sign.add_argument("--json", action="store_true", help=say("in câu trả lời dạng JSON",
                                                              "print the answer as JSON"))
    sign.add_argument("--defect", help=_defect_help(NO_VALIDITY_CHECK))


def _add_extend(commands: Subcommands) -> None:
    extend = commands.add_parser("extend", help=say(
        "nâng tệp PDF đã ký lên PAdES B-LT hoặc B-LTA, hoặc gia hạn dấu thời gian lưu trữ "
        "(lưu trữ dài hạn)", "raise a signed PDF to PAdES B-LT or B-LTA, or renew its archive "
        "timestamp (long-term archiving)"))
    extend.set_defaults(handler=run_extend)
    extend.add_argument("file", type=Path, help=say("tệp PDF đã ký", "the signed PDF"))
    extend.add_argument("--testbed", "--dir", dest="testbed", type=Path, default=DEFAULT_TESTBED,
                        help=say("thư mục testbed: gốc tin cậy, TSA, đồng hồ; dịch vụ của nó "
                                 "phải trả lời (mặc định: $KYSO_TESTBED hoặc out/testbed)",
                                 "testbed directory: trust roots, TSA, clock; its services "
                                 "must answer (default: $KYSO_TESTBED or out/testbed)"))
    extend.add_argument("--level", default=SignatureLevel.B_LTA.value, metavar="LEVEL",
                        help=say("B-LT (dữ liệu kiểm tra trong DSS) hoặc B-LTA (thêm dấu thời "
                                 "gian cho tài liệu) (mặc định %(default)s)",
                                 "B-LT (validation data in the DSS) or B-LTA (and a document "
                                 "timestamp) (default %(default)s)"),
                        **enum_choices(SignatureLevel, parse=SignatureLevel.parse))
    extend.add_argument("--renew", action="store_true", help=say(
        "gia hạn dấu thời gian lưu trữ (trước khi chứng thư của TSA hết hạn): dữ liệu kiểm "
        "tra của nó, rồi một dấu thời gian tài liệu mới", "renew the archive timestamp "
        "(before its TSA certificate expires): its validation data, then a new document "
        "timestamp"))
    extend.add_argument("--out", type=Path, help=say(
        "nơi ghi tệp PDF đã nâng (mặc định: thay FILE, trọn vẹn một lần)",
        "where the extended PDF goes (default: replace FILE, atomically)"))
    extend.add_argument("--tsa-url", help=say(
        "nhà cung cấp dịch vụ cấp dấu thời gian (mặc định: TSA công vụ của testbed)",
        "timestamp authority (default: the TSA of the testbed's cong-vu branch)"))


def run_verify(arguments: argparse.Namespace) -> int:
    """``kyso verify``: the reference verifier, or the defective variant ``--defect`` names."""
    from conformance.reference.verifier import run_verify as verify_command

    if not arguments.defect:
        return verify_command(arguments)
    from conformance.reference.defects import DefectiveVerifier, parse_defect

    variant = DefectiveVerifier(parse_defect(arguments.defect, "verifier"))
    return verify_command(arguments, variant=variant.verify_document)


def run_sign(arguments: argparse.Namespace) -> int:
    """``kyso sign``: the reference signer, or the defective variant ``--defect`` names."""
    from conformance.reference.sign_command import run_sign_command

    if not arguments.defect:
        return run_sign_command(arguments)
    from conformance.reference.defects import DefectiveSigner, parse_defect

    return run_sign_command(arguments, variant=DefectiveSigner(
        parse_defect(arguments.defect, "signer")).sign)


def run_extend(arguments: argparse.Namespace) -> int:
    """``kyso extend``: the reference archive tool."""
    from conformance.reference.extend_command import run_extend_command

    return run_extend_command(arguments)
