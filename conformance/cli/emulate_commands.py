"""``kyso emulate <family>``: one emulated local signing service in the foreground.

    kyso emulate http-plugin|ws-oneshot|ws-session|remote-hash [--port N] [--defect NAME]
        [--misbehave hang|close|garbage|huge] [--tls] [--certificate-file PEM]
        [--confirm auto|manual] [--confirm-after S] [--token LABEL] [--dir TESTBED]

The emulated services (:mod:`emulators`: aiohttp, the reference tools) are imported when the
command runs; their families, confirmation modes and misbehaviours are plain enums
(:mod:`emulators.choices`), so argparse lists and checks them without loading the services.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bilingual import say
from emulators import Confirmation, Family, Misbehaviour
from testbed import InvalidInputError

from .parsing import DEFAULT_TESTBED, enum_choices

if TYPE_CHECKING:
    from .parsing import Subcommands

DEFAULT_CONFIRM_AFTER = 0.3
"""Seconds before the emulated remote-hash user confirms, with ``--confirm auto``."""


def add_commands(commands: Subcommands) -> None:
    """Add ``emulate`` to the root command."""
    parser = commands.add_parser("emulate", help=say(
        "một dịch vụ ký số cục bộ mô phỏng trên 127.0.0.1 (Ctrl-C dừng)",
        "an emulated local signing service on 127.0.0.1 (Ctrl-C stops it)"))
    parser.set_defaults(handler=run_emulate)
    parser.add_argument("family", help=say("họ dịch vụ: %(choices)s", "service family: "
                                           "%(choices)s"), **enum_choices(Family))
    parser.add_argument("--port", type=int, help=say(
        "cổng trên 127.0.0.1 (mặc định: cổng của họ dịch vụ, 8711-8714; 0: cổng tạm)",
        "port on 127.0.0.1 (default: the family's, 8711-8714; 0: ephemeral)"))
    parser.add_argument("--defect", help=say(
        "một lỗi của công cụ tham chiếu đứng sau dịch vụ (xem 'kyso mutants')",
        "a defect of the reference tools behind the service (see 'kyso mutants')"))
    parser.add_argument("--misbehave", help=say("mọi thao tác: %(choices)s",
                                                "every operation: %(choices)s"),
                        **enum_choices(Misbehaviour))
    parser.add_argument("--tls", action="store_true", help=say(
        "https/wss với chứng thư tự ký cho 127.0.0.1 tạo lúc khởi động (đường dẫn được in ra)",
        "https/wss with a self-signed 127.0.0.1 certificate made at start (its path is "
        "printed)"))
    parser.add_argument("--certificate-file", type=Path, help=say(
        "với --tls: ghi chứng thư vào đây (mặc định: một tệp tạm)",
        "with --tls: write the certificate here (default: a temporary file)"))
    parser.add_argument("--confirm", help=say(
        "remote-hash: %(choices)s (mặc định auto; manual: POST /ui/answer xác nhận)",
        "remote-hash: %(choices)s (default auto; manual: POST /ui/answer confirms)"),
        **enum_choices(Confirmation))
    parser.add_argument("--confirm-after", type=float, help=say(
        f"remote-hash, --confirm auto: số giây trước khi người dùng xác nhận (mặc định "
        f"{DEFAULT_CONFIRM_AFTER})", f"remote-hash, --confirm auto: seconds before the user "
        f"confirms (default {DEFAULT_CONFIRM_AFTER})"))
    parser.add_argument("--token", help=say(
        "nhãn token mặc định: yêu cầu không có TokenAccess (và các trường testbed khác) dùng "
        "token này của testbed --dir", "default token label: a request without TokenAccess "
        "(and the other testbed fields) uses this token of --dir's testbed"))
    parser.add_argument("--dir", type=Path, default=DEFAULT_TESTBED, help=say(
        "với --token: thư mục testbed (mặc định: $KYSO_TESTBED hoặc out/testbed)",
        "with --token: the testbed directory (default: $KYSO_TESTBED or out/testbed)"))


def run_emulate(arguments: argparse.Namespace) -> int:
    """Validate the options (one-line errors), then serve in the foreground."""
    from emulators import TestbedDefaults, run_foreground
    from testbed import Testbed, parse_choice

    family = parse_choice(Family, arguments.family, field="family")
    port = family.default_port if arguments.port is None else arguments.port
    if not 0 <= port <= 65535:
        raise InvalidInputError(say(f"--port: {port} không phải số cổng (0-65535)",
                                    f"--port: {port} is not a port number (0-65535)"))
    if family is not Family.REMOTE_HASH and (arguments.confirm is not None
                                             or arguments.confirm_after is not None):
        raise InvalidInputError(say("--confirm, --confirm-after: chỉ dùng cho remote-hash",
                                    "--confirm, --confirm-after: only for remote-hash"))
    confirm = parse_choice(Confirmation, arguments.confirm or "auto", field="--confirm")
    confirm_after = DEFAULT_CONFIRM_AFTER if arguments.confirm_after is None \
        else arguments.confirm_after
    if confirm_after < 0:
        raise InvalidInputError(say("--confirm-after: không được âm",
                                    "--confirm-after: must not be negative"))
    if arguments.certificate_file is not None and not arguments.tls:
        raise InvalidInputError(say("--certificate-file: chỉ dùng cùng --tls",
                                    "--certificate-file: only with --tls"))
    defaults = None
    if arguments.token:
        testbed = Testbed.open(arguments.dir)  # one line naming the directory if there is none
        testbed.state.token(arguments.token)  # ... or the token
        defaults = TestbedDefaults(directory=arguments.dir.resolve(),
                                   token_label=arguments.token)
    options: dict[str, Any] = {"defect": arguments.defect, "misbehave": arguments.misbehave,
                               "tls": arguments.tls, "confirm": confirm,
                               "confirm_after": confirm_after, "defaults": defaults}
    if arguments.certificate_file is not None:
        options["certificate_file"] = arguments.certificate_file.resolve()
    return run_foreground(family, port, **options)
