"""The testbed group's argument tables: ``kyso up``, ``down``, ``ca``, ``token``, ``clock``,
``service``.

Choices come from the testbed's own enums (key types, profiles, branches, rule-breaks,
revocation reasons, service modes), kept in light modules. What the commands do lives in
:mod:`conformance.cli.testbed_actions`, imported only when one of them runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say
from testbed import (
    SERVICE_KEY_TYPES,
    Branch,
    KeyType,
    ProfileKind,
    RevocationReason,
    RuleBreak,
    ServiceMode,
)

from .parsing import add_group, add_testbed_directory, enum_choices

if TYPE_CHECKING:
    from .parsing import Subcommands

TOKEN_ACTIONS: dict[str, tuple[str, str]] = {
    "list": ("mọi token", "all tokens"),
    "show": ("những gì một chương trình cần để dùng token", "what a program needs to use it"),
    "lock": ("nhập sai mã PIN đến khi token bị khóa", "enter wrong PINs until it locks"),
    "restore": ("SO đặt mã PIN người dùng mới (NĐ68 Điều 22)",
                "SO sets a new user PIN (ND68 Art. 22)"),
    "return": ("trả lại token (NĐ68 Điều 20)", "hand the token back (ND68 Art. 20)"),
    "delete": ("xóa token khỏi testbed", "remove the token from the testbed"),
    "lose": ("báo mất token: thu hồi chứng thư chữ ký số của nó (keyCompromise)",
             "report it lost: revoke its certificate (keyCompromise)"),
    "change-pin": ("người giữ token đổi mã PIN người dùng", "the holder changes the user PIN"),
}
"""``kyso token`` actions besides ``create``, with their help (Vietnamese, English): said when
the parser is built, in the language chosen by then."""


def run(arguments: argparse.Namespace) -> int:
    """Run a testbed command (its implementation is imported now, not at parser build)."""
    from .testbed_actions import run_testbed_command

    return run_testbed_command(arguments)


def add_commands(commands: Subcommands) -> None:
    """Add ``up``, ``down``, ``ca``, ``token``, ``clock`` and ``service`` to the root command."""
    _add_up(commands)
    _add_ca(commands)
    _add_token(commands)
    _add_clock(commands)
    _add_service(commands)


def _add_up(commands: Subcommands) -> None:
    up = commands.add_parser("up", help=say(
        "chạy testbed ở tiền cảnh (Ctrl-C dừng; --background: kyso down dừng)",
        "start a testbed in the foreground (Ctrl-C stops it; --background: kyso down stops it)"))
    up.set_defaults(handler=run)
    add_testbed_directory(up)
    up.add_argument("--port", type=int, default=0, help=say(
        "cổng trên 127.0.0.1 (mặc định: cổng tạm)", "port on 127.0.0.1 (default: ephemeral)"))
    up.add_argument("--at", help=say(
        "ghim đồng hồ testbed ở thời điểm ISO 8601 này (không có múi giờ: giờ Việt Nam)",
        "pin the testbed clock at this ISO 8601 instant (without a zone: Vietnam time)"))
    up.add_argument("--follow", action="store_true", help=say(
        "với --at: bắt đầu từ đó rồi chạy theo đồng hồ thật",
        "with --at: start there and follow the wall clock"))
    up.add_argument("--crl-period", default="1d", help=say(
        "chu kỳ phát hành CRL định kỳ (mặc định 1d)", "scheduled CRL period (default 1d)"))
    service_keys = enum_choices(KeyType, parse=KeyType.parse)
    service_keys["choices"] = [key.value for key in SERVICE_KEY_TYPES]
    up.add_argument("--service-key", default=KeyType.RSA2048.value, metavar="KEY", help=say(
        "khóa của máy chủ OCSP và TSA khi tạo testbed mới: %(choices)s (mặc định %(default)s)",
        "key of the OCSP responders and TSAs of a new testbed: %(choices)s "
        "(default %(default)s)"), **service_keys)
    up.add_argument("--background", action="store_true", help=say(
        "chạy tách khỏi terminal, trở về khi dịch vụ đã sẵn sàng (đầu ra trong "
        "DIR/kyso-up.log); 'kyso down' dừng nó",
        "start it detached and return once it serves (output in DIR/kyso-up.log); "
        "'kyso down' stops it"))
    down = commands.add_parser("down", help=say(
        "dừng testbed mà 'kyso up' đang chạy (mã thoát 1: không có testbed nào chạy)",
        "stop the testbed 'kyso up' serves (exit 1: none is running)"))
    down.set_defaults(handler=run)
    add_testbed_directory(down)


def _add_subscriber_fields(parser: argparse.ArgumentParser) -> None:
    """Who the certificate names, and under which profile and branch."""
    parser.add_argument("--name", help=say("họ và tên (CN); bắt buộc với thuê bao mới",
                                           "full name (CN); required for a new subscriber"))
    parser.add_argument("--title", help=say("chức danh (T)", "title (T)"))
    parser.add_argument("--org", help=say("cơ quan, tổ chức (O)", "organisation (O)"))
    parser.add_argument("--unit", help=say("đơn vị (OU)", "unit (OU)"))
    parser.add_argument("--province", help=say("tỉnh, thành phố (L)", "province or city (L)"))
    parser.add_argument("--identifier", help=say("số định danh (CCCD, mã số thuế, ...)",
                                                 "identifier (citizen ID, tax code, ...)"))
    parser.add_argument("--profile", default=ProfileKind.PERSONAL.value, metavar="PROFILE",
                        help=_choices_and_default(),
                        **enum_choices(ProfileKind, parse=ProfileKind.parse))
    parser.add_argument("--branch", default=Branch.CONG_VU.value, metavar="BRANCH",
                        help=_choices_and_default(), **enum_choices(Branch))


def _choices_and_default() -> str:
    """The help of an option whose choices and default say it all."""
    return say("%(choices)s (mặc định %(default)s)", "%(choices)s (default %(default)s)")


def _add_key_type(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--key", default=KeyType.RSA2048.value, metavar="KEY", help=help_text,
                        **enum_choices(KeyType, parse=KeyType.parse))


def _add_ca(commands: Subcommands) -> None:
    ca = add_group(commands, "ca", run, help=say("vòng đời chứng thư chữ ký số",
                                                 "certificate lifecycle"))
    issue = ca.add_parser("issue", help=say("cấp chứng thư chữ ký số cho một thuê bao",
                                            "issue a certificate to a subscriber"))
    add_testbed_directory(issue)
    issue.add_argument("subscriber", help=say("mã thuê bao, ví dụ nguyen-van-an",
                                              "subscriber id, e.g. nguyen-van-an"))
    _add_subscriber_fields(issue)
    _add_key_type(issue, say("khóa phần mềm: %(choices)s (mặc định %(default)s)",
                             "software key: %(choices)s (default %(default)s)"))
    issue.add_argument("--public-key", type=Path, help=say(
        "chứng thực khóa công khai này (PEM hoặc DER)", "certify this public key (PEM or DER)"))
    issue.add_argument("--days", type=int, help=_days_help())
    issue.add_argument("--break", dest="breaks", action="append", default=[], metavar="RULE",
                       help=say("cố ý vi phạm một quy tắc của hồ sơ (lặp lại được): %(choices)s",
                                "break one profile rule on purpose (repeatable): %(choices)s"),
                       **enum_choices(RuleBreak, parse=RuleBreak.parse))
    revoke = ca.add_parser("revoke", help=say("thu hồi một chứng thư chữ ký số",
                                              "revoke a certificate"))
    add_testbed_directory(revoke)
    revoke.add_argument("certificate", help=_certificate_help())
    revoke.add_argument("--reason", default=RevocationReason.UNSPECIFIED.value, metavar="REASON",
                        help=_choices_and_default(),
                        **enum_choices(RevocationReason, parse=RevocationReason.parse))
    revoke.add_argument("--at", help=say("thời điểm thu hồi (mặc định: giờ hiện tại của testbed)",
                                         "revocation date (default: testbed now)"))
    revoke.add_argument("--invalidity-date", help=say(
        "khi khóa bí mật bị lộ (hoặc bị nghi lộ)", "when the key was (suspected) compromised"))
    _add_renewals(ca)
    _add_bulk(ca)
    listing = ca.add_parser("list", help=say("các CA, thuê bao và chứng thư chữ ký số",
                                             "authorities, subscribers and certificates"))
    add_testbed_directory(listing)
    listing.add_argument("--json", action="store_true", help=_json_help())


def _add_renewals(ca: Subcommands) -> None:
    """``ca renew``, ``reissue``, ``compromise``, ``publish-crl`` and ``renew-tsa``."""
    renew = ca.add_parser("renew", help=say("gia hạn chứng thư chữ ký số của một thuê bao",
                                            "renew a subscriber's certificate"))
    add_testbed_directory(renew)
    renew.add_argument("certificate", help=_certificate_help())
    renew.add_argument("--days", type=int, help=_days_help())
    reissue = ca.add_parser("reissue", help=say(
        "khóa mới và chứng thư chữ ký số mới sau khi bị thu hồi",
        "new key + certificate after revocation"))
    add_testbed_directory(reissue)
    reissue.add_argument("certificate", help=_certificate_help())
    _add_key_type(reissue, _choices_and_default())
    compromise = ca.add_parser("compromise", help=say(
        "thu hồi một CA cấp chứng thư (CA bị lộ khóa bí mật)",
        "revoke an issuing CA (CA compromise)"))
    add_testbed_directory(compromise)
    compromise.add_argument("authority", help=_authority_help())
    publish = ca.add_parser("publish-crl", help=say("phát hành ngay một CRL ngoài chu kỳ",
                                                    "issue an out-of-cycle CRL now"))
    add_testbed_directory(publish)
    publish.add_argument("authority", help=_authority_help())
    renew_tsa = ca.add_parser("renew-tsa", help=say(
        "chứng thư kế nhiệm (khóa mới) cho TSA của một CA, dùng từ nay",
        "a successor certificate (new key) for an authority's TSA, used from now on"))
    add_testbed_directory(renew_tsa)
    renew_tsa.add_argument("authority", nargs="?", default="ca-cv", help=_authority_help())


def _percent(text: str) -> float:
    """``5%`` or ``5``: a share in percent, from 0 to 100."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(say(f"'{text}' không phải tỷ lệ từ 0 đến 100%",
                                             f"'{text}' is not a share from 0 to 100%"))
    return value


def _add_bulk(ca: Subcommands) -> None:
    """``ca populate`` (bulk issuance) and ``ca export`` (the registry as JSON)."""
    populate = ca.add_parser("populate", help=say(
        "cấp hàng loạt chứng thư chữ ký số cho thuê bao giả lập (tên theo seed) và thu hồi một "
        "phần", "issue certificates in bulk to made-up subscribers (seeded names) and revoke a "
        "share of them"))
    add_testbed_directory(populate)
    populate.add_argument("--subscribers", type=int, required=True, metavar="N", help=say(
        "số thuê bao cần cấp", "how many subscribers to issue to"))
    populate.add_argument("--revoked", type=_percent, default=0.0, metavar="P%", help=say(
        "tỷ lệ chứng thư chữ ký số bị thu hồi (mặc định 0%%)",
        "share of the certificates revoked (default 0%%)"))
    populate.add_argument("--seed", type=int, default=20, help=say(
        "seed của tên thuê bao (mặc định %(default)s)", "seed of the names (default %(default)s)"))
    populate.add_argument("--issuer", help=_authority_help())
    export = ca.add_parser("export", help=say(
        "ghi toàn bộ sổ đăng ký ra registry.json (hoặc --output)",
        "write the whole registry as registry.json (or --output)"))
    add_testbed_directory(export)
    export.add_argument("--output", type=Path, help=say("tệp JSON cần ghi", "JSON file to write"))


def _certificate_help() -> str:
    return say("nhãn, số hiệu (thập phân hoặc 0x thập lục phân) hoặc mã thuê bao",
               "label, serial (decimal or 0x hex) or subscriber id")


def _authority_help() -> str:
    return say("nhãn của CA, ví dụ ca-cv", "the authority's label, e.g. ca-cv")


def _days_help() -> str:
    return say("thời hạn tính bằng ngày (mặc định: tối đa theo luật)",
               "validity in days (default: the legal maximum)")


def _json_help() -> str:
    return say("in JSON cho máy đọc (giờ UTC, có Z)", "print JSON for machines (UTC, with Z)")


def _add_token(commands: Subcommands) -> None:
    token = add_group(commands, "token", run, help=say(
        "token USB của các thuê bao (SoftHSM2)", "subscribers' USB tokens (SoftHSM2)"))
    create = token.add_parser("create", help=say(
        "token mới, khóa sinh trên token, chứng thư chữ ký số",
        "new token, key generated on it, certificate"))
    add_testbed_directory(create)
    create.add_argument("subscriber", help=say("mã thuê bao, ví dụ nguyen-van-an",
                                               "subscriber id, e.g. nguyen-van-an"))
    # a token generates only some key types; the token lifecycle names them if another is asked
    create.add_argument("--key", default=KeyType.RSA2048.value, help="rsa2048|rsa3072|p256")
    _add_subscriber_fields(create)
    create.add_argument("--max-pin-tries", type=int, default=5, help=say(
        "số lần nhập sai mã PIN liên tiếp trước khi token bị khóa (mặc định %(default)s)",
        "wrong PINs in a row before the token locks (default %(default)s)"))
    create.add_argument("--reissue", action="store_true", help=say(
        "cấp lại sau khi bị thu hồi: token, khóa và chứng thư chữ ký số mới",
        "re-issue after revocation: new token, key and certificate"))
    for action, (vietnamese, english) in TOKEN_ACTIONS.items():
        parser = token.add_parser(action, help=say(vietnamese, english))
        add_testbed_directory(parser)
        if action != "list":
            parser.add_argument("label", help=say("nhãn của token", "the token's label"))
        if action == "show":
            parser.add_argument("--reveal-pin", action="store_true", help=say(
                "in chính mã PIN người dùng (không bao giờ ghi vào nhật ký)",
                "print the user PIN itself (never logged anywhere)"))
        if action == "lose":
            parser.add_argument("--reported-at", help=say(
                "khi việc mất được báo (mặc định: bây giờ)",
                "when the loss was reported (default: now)"))
        if action == "change-pin":
            parser.add_argument("--new-pin", required=True, help=say(
                "mã PIN người dùng mới", "the new user PIN"))
        if action == "restore":
            parser.add_argument("--new-pin", help=say("mặc định: một mã PIN ngẫu nhiên mới",
                                                      "default: a new random PIN"))


def _add_clock(commands: Subcommands) -> None:
    clock = add_group(commands, "clock", run, help=say("thời gian mô phỏng", "simulated time"))
    show = clock.add_parser("show", help=say("giờ hiện tại của testbed (giờ Việt Nam)",
                                             "the testbed's now (Vietnam time)"))
    add_testbed_directory(show)
    clock_set = clock.add_parser("set", help=say("đặt đồng hồ testbed",
                                                 "set the testbed clock"))
    add_testbed_directory(clock_set)
    clock_set.add_argument("instant", help=say("ISO 8601; không có múi giờ: giờ Việt Nam",
                                               "ISO 8601; without a zone: Vietnam time"))
    clock_set.add_argument("--follow", action="store_true", help=say(
        "rồi chạy theo đồng hồ thật", "then follow the wall clock"))
    advance = clock.add_parser("advance", help=say("đẩy đồng hồ testbed tới (hoặc lùi)",
                                                   "move the testbed clock on (or back)"))
    add_testbed_directory(advance)
    advance.add_argument("duration", help="+30d, -2h, 90s, 1w, 1y")


def _add_service(commands: Subcommands) -> None:
    service = add_group(commands, "service", run, help=say("mô phỏng sự cố dịch vụ",
                                                           "simulate outages"))
    service_set = service.add_parser("set", help=say("đặt chế độ của một dịch vụ",
                                                     "set a service's mode"))
    add_testbed_directory(service_set)
    service_set.add_argument("service", help=say(
        "ocsp:<ca>, crl:<ca>, tsa:<ca> hoặc certs:<ca>",
        "ocsp:<ca>, crl:<ca>, tsa:<ca> or certs:<ca>"))
    service_set.add_argument("mode", metavar="mode", help=say(
        "%(choices)s (unauthorized, unknown: chỉ OCSP; stale: chỉ CRL)",
        "%(choices)s (unauthorized, unknown: OCSP only; stale: CRL only)"),
        **enum_choices(ServiceMode))
    service_set.add_argument("--delay", type=float, default=5.0, help=say(
        "số giây, cho chế độ 'slow'", "seconds, for 'slow'"))
