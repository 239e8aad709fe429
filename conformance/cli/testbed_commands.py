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

from testbed import Branch, KeyType, ProfileKind, RevocationReason, RuleBreak, ServiceMode

from .parsing import add_group, add_testbed_directory, enum_choices

if TYPE_CHECKING:
    from .parsing import Subcommands

TOKEN_ACTIONS: dict[str, str] = {
    "list": "all tokens",
    "show": "what a program needs to use it",
    "lock": "enter wrong PINs until it locks",
    "restore": "SO sets a new user PIN (ND68 Art. 22)",
    "return": "hand the token back (ND68 Art. 20)",
    "delete": "remove the token from the testbed",
    "lose": "report it lost: revoke its certificate (keyCompromise)",
    "change-pin": "the holder changes the user PIN",
}
"""``kyso token`` actions besides ``create``, with their help."""


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
    up = commands.add_parser("up", help="start a testbed in the foreground (Ctrl-C stops it; "
                             "--background: kyso down stops it)")
    up.set_defaults(handler=run)
    add_testbed_directory(up)
    up.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: ephemeral)")
    up.add_argument("--at", help="pin the testbed clock at this ISO 8601 instant")
    up.add_argument("--follow", action="store_true",
                    help="with --at: start there and follow the wall clock")
    up.add_argument("--crl-period", default="1d", help="scheduled CRL period (default 1d)")
    up.add_argument("--background", action="store_true",
                    help="start it detached and return once it serves (output in "
                    "DIR/kyso-up.log); 'kyso down' stops it")
    down = commands.add_parser("down", help="stop the testbed 'kyso up' serves (exit 1: none "
                               "is running)")
    down.set_defaults(handler=run)
    add_testbed_directory(down)


def _add_subscriber_fields(parser: argparse.ArgumentParser) -> None:
    """Who the certificate names, and under which profile and branch."""
    parser.add_argument("--name", help="full name (CN); required for a new subscriber")
    parser.add_argument("--title"), parser.add_argument("--org"), parser.add_argument("--unit")
    parser.add_argument("--province"), parser.add_argument("--identifier")
    parser.add_argument("--profile", default=ProfileKind.PERSONAL.value, metavar="PROFILE",
                        help="%(choices)s (default %(default)s)",
                        **enum_choices(ProfileKind, parse=ProfileKind.parse))
    parser.add_argument("--branch", default=Branch.CONG_VU.value, metavar="BRANCH",
                        help="%(choices)s (default %(default)s)", **enum_choices(Branch))


def _add_key_type(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--key", default=KeyType.RSA2048.value, metavar="KEY", help=help_text,
                        **enum_choices(KeyType, parse=KeyType.parse))


def _add_ca(commands: Subcommands) -> None:
    ca = add_group(commands, "ca", run, help="certificate lifecycle")
    issue = ca.add_parser("issue", help="issue a certificate to a subscriber")
    add_testbed_directory(issue)
    issue.add_argument("subscriber", help="subscriber id, e.g. nguyen-van-an")
    _add_subscriber_fields(issue)
    _add_key_type(issue, "software key: %(choices)s (default %(default)s)")
    issue.add_argument("--public-key", type=Path, help="certify this public key (PEM or DER)")
    issue.add_argument("--days", type=int, help="validity in days (default: the legal maximum)")
    issue.add_argument("--break", dest="breaks", action="append", default=[], metavar="RULE",
                       help="break one profile rule on purpose (repeatable): %(choices)s",
                       **enum_choices(RuleBreak, parse=RuleBreak.parse))
    revoke = ca.add_parser("revoke", help="revoke a certificate")
    add_testbed_directory(revoke)
    revoke.add_argument("certificate", help="label, serial (decimal or 0x hex) or subscriber id")
    revoke.add_argument("--reason", default=RevocationReason.UNSPECIFIED.value, metavar="REASON",
                        help="%(choices)s (default %(default)s)",
                        **enum_choices(RevocationReason, parse=RevocationReason.parse))
    revoke.add_argument("--at", help="revocation date (default: testbed now)")
    revoke.add_argument("--invalidity-date", help="when the key was (suspected) compromised")
    renew = ca.add_parser("renew", help="renew (gia hạn) a subscriber's certificate")
    add_testbed_directory(renew)
    renew.add_argument("certificate")
    renew.add_argument("--days", type=int)
    reissue = ca.add_parser("reissue", help="new key + certificate after revocation")
    add_testbed_directory(reissue)
    reissue.add_argument("certificate")
    _add_key_type(reissue, "%(choices)s (default %(default)s)")
    compromise = ca.add_parser("compromise", help="revoke an issuing CA (CA compromise)")
    add_testbed_directory(compromise)
    compromise.add_argument("authority")
    publish = ca.add_parser("publish-crl", help="issue an out-of-cycle CRL now")
    add_testbed_directory(publish)
    publish.add_argument("authority")
    renew_tsa = ca.add_parser("renew-tsa", help="a successor certificate (new key) for an "
                              "authority's TSA, used from now on")
    add_testbed_directory(renew_tsa)
    renew_tsa.add_argument("authority", nargs="?", default="ca-cv")
    listing = ca.add_parser("list", help="authorities, subscribers and certificates")
    add_testbed_directory(listing)
    listing.add_argument("--json", action="store_true")


def _add_token(commands: Subcommands) -> None:
    token = add_group(commands, "token", run, help="subscribers' USB tokens (SoftHSM2)")
    create = token.add_parser("create", help="new token, key generated on it, certificate")
    add_testbed_directory(create)
    create.add_argument("subscriber")
    # a token generates only some key types; the token lifecycle names them if another is asked
    create.add_argument("--key", default=KeyType.RSA2048.value, help="rsa2048|rsa3072|p256")
    _add_subscriber_fields(create)
    create.add_argument("--max-pin-tries", type=int, default=5)
    create.add_argument("--reissue", action="store_true",
                        help="re-issue after revocation: new token, key and certificate")
    for action, text in TOKEN_ACTIONS.items():
        parser = token.add_parser(action, help=text)
        add_testbed_directory(parser)
        if action != "list":
            parser.add_argument("label")
        if action == "show":
            parser.add_argument("--reveal-pin", action="store_true",
                                help="print the user PIN itself (never logged anywhere)")
        if action == "lose":
            parser.add_argument("--reported-at", help="when the loss was reported "
                                "(default: now)")
        if action == "change-pin":
            parser.add_argument("--new-pin", required=True)
        if action == "restore":
            parser.add_argument("--new-pin", help="default: a new random PIN")


def _add_clock(commands: Subcommands) -> None:
    clock = add_group(commands, "clock", run, help="simulated time")
    show = clock.add_parser("show")
    add_testbed_directory(show)
    clock_set = clock.add_parser("set")
    add_testbed_directory(clock_set)
    clock_set.add_argument("instant", help="ISO 8601; without a zone: Vietnam time")
    clock_set.add_argument("--follow", action="store_true", help="then follow the wall clock")
    advance = clock.add_parser("advance")
    add_testbed_directory(advance)
    advance.add_argument("duration", help="+30d, -2h, 90s, 1w, 1y")


def _add_service(commands: Subcommands) -> None:
    service = add_group(commands, "service", run, help="simulate outages")
    service_set = service.add_parser("set")
    add_testbed_directory(service_set)
    service_set.add_argument("service", help="ocsp:<ca>, crl:<ca>, tsa:<ca> or certs:<ca>")
    service_set.add_argument("mode", metavar="mode",
                             help="%(choices)s (unauthorized, unknown: OCSP only; stale: CRL "
                             "only)", **enum_choices(ServiceMode))
    service_set.add_argument("--delay", type=float, default=5.0, help="seconds, for 'slow'")
