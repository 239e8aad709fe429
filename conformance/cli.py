"""The root ``kyso`` command: parses arguments, calls the packages, maps errors to exit codes.

Exit codes (one map for every subcommand): 0 success, 1 some check FAILED, 2 usage or input
error (a one-line message naming the file, field or value), 3 some check ERRORED, 130 interrupted.
User mistakes never print a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from conformance.reference.sign_command import add_sign_command, run_sign_command
from conformance.reference.verifier import add_verify_command, run_verify
from conformance.report_commands import add_report_command, run_report_command
from conformance.scenario_runs import add_scenario_command, run_scenario_command
from conformance.sut.adapter_check import add_adapter_command, run_adapter_command
from conformance.sut.emulated.command import add_emulate_command, run_emulate_command
from testbed.ca.hierarchy import Branch
from testbed.ca.keys import KeyType
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import ProfileKind, RuleBreak
from testbed.clock import parse_duration, parse_instant
from testbed.errors import TestbedError
from testbed.session import Testbed
from testbed.world import RevocationReason, ServiceMode

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130

DEFAULT_DIR = Path(os.environ.get("KYSO_TESTBED", "out/testbed"))


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors exit with our code 2 and one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"kyso: {message} (see '{self.prog} --help')\n")


def _directory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="testbed directory (default: $KYSO_TESTBED or out/testbed)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kyso", description="PKI testbed and conformance suite for "
                     "Vietnamese digital signatures (kiểm thử chữ ký số)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    up = commands.add_parser("up", help="start a testbed in the foreground (Ctrl-C stops it)")
    _directory_option(up)
    up.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: ephemeral)")
    up.add_argument("--at", help="pin the testbed clock at this ISO 8601 instant")
    up.add_argument("--follow", action="store_true",
                    help="with --at: start there and follow the wall clock")
    up.add_argument("--crl-period", default="1d", help="scheduled CRL period (default 1d)")

    demo = commands.add_parser("demo", help="the main job end to end: conformance runs, signed "
                               "reports, diff (make demo)")
    demo.add_argument("--dir", type=Path, default=Path("out/demo"))

    ca = commands.add_parser("ca", help="certificate lifecycle").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    issue = ca.add_parser("issue", help="issue a certificate to a subscriber")
    _directory_option(issue)
    issue.add_argument("subscriber", help="subscriber id, e.g. nguyen-van-an")
    issue.add_argument("--name", help="full name (CN); required for a new subscriber")
    issue.add_argument("--title"), issue.add_argument("--org"), issue.add_argument("--unit")
    issue.add_argument("--province"), issue.add_argument("--identifier")
    issue.add_argument("--profile", default="personal", help="personal|organisation|device")
    issue.add_argument("--branch", default="cong-vu", help="cong-vu|public|other")
    issue.add_argument("--key", default="rsa2048", help="rsa2048|rsa3072|p256|... (software key)")
    issue.add_argument("--public-key", type=Path, help="certify this public key (PEM or DER)")
    issue.add_argument("--days", type=int, help="validity in days (default: the legal maximum)")
    issue.add_argument("--break", dest="breaks", action="append", default=[],
                       help="break one profile rule on purpose (repeatable)")
    revoke = ca.add_parser("revoke", help="revoke a certificate")
    _directory_option(revoke)
    revoke.add_argument("certificate", help="label, serial (decimal or 0x hex) or subscriber id")
    revoke.add_argument("--reason", default="unspecified")
    revoke.add_argument("--at", help="revocation date (default: testbed now)")
    revoke.add_argument("--invalidity-date", help="when the key was (suspected) compromised")
    renew = ca.add_parser("renew", help="renew (gia hạn) a subscriber's certificate")
    _directory_option(renew)
    renew.add_argument("certificate")
    renew.add_argument("--days", type=int)
    reissue = ca.add_parser("reissue", help="new key + certificate after revocation")
    _directory_option(reissue)
    reissue.add_argument("certificate")
    reissue.add_argument("--key", default="rsa2048")
    compromise = ca.add_parser("compromise", help="revoke an issuing CA (CA compromise)")
    _directory_option(compromise)
    compromise.add_argument("authority")
    publish = ca.add_parser("publish-crl", help="issue an out-of-cycle CRL now")
    _directory_option(publish)
    publish.add_argument("authority")
    listing = ca.add_parser("list", help="authorities, subscribers and certificates")
    _directory_option(listing)
    listing.add_argument("--json", action="store_true")

    token = commands.add_parser("token", help="subscribers' USB tokens (SoftHSM2)")\
        .add_subparsers(dest="action", required=True, parser_class=_Parser)
    token_create = token.add_parser("create", help="new token, key generated on it, certificate")
    _directory_option(token_create)
    token_create.add_argument("subscriber")
    token_create.add_argument("--key", default="rsa2048", help="rsa2048|rsa3072|p256")
    token_create.add_argument("--name", help="full name (CN); required for a new subscriber")
    token_create.add_argument("--title"), token_create.add_argument("--org")
    token_create.add_argument("--unit"), token_create.add_argument("--province")
    token_create.add_argument("--identifier")
    token_create.add_argument("--profile", default="personal")
    token_create.add_argument("--branch", default="cong-vu")
    token_create.add_argument("--max-pin-tries", type=int, default=5)
    token_create.add_argument("--reissue", action="store_true",
                              help="re-issue after revocation: new token, key and certificate")
    for action, text in (("list", "all tokens"), ("show", "what a program needs to use it"),
                         ("lock", "enter wrong PINs until it locks"),
                         ("restore", "SO sets a new user PIN (ND68 Art. 22)"),
                         ("return", "hand the token back (ND68 Art. 20)"),
                         ("delete", "remove the token from the testbed"),
                         ("lose", "report it lost: revoke its certificate (keyCompromise)"),
                         ("change-pin", "the holder changes the user PIN")):
        sub = token.add_parser(action, help=text)
        _directory_option(sub)
        if action != "list":
            sub.add_argument("label")
        if action == "show":
            sub.add_argument("--reveal-pin", action="store_true",
                             help="print the user PIN itself (never logged anywhere)")
        if action == "lose":
            sub.add_argument("--reported-at", help="when the loss was reported (default: now)")
        if action == "change-pin":
            sub.add_argument("--new-pin", required=True)
        if action == "restore":
            sub.add_argument("--new-pin", help="default: a new random PIN")

    clock = commands.add_parser("clock", help="simulated time").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    show = clock.add_parser("show")
    _directory_option(show)
    clock_set = clock.add_parser("set")
    _directory_option(clock_set)
    clock_set.add_argument("instant", help="ISO 8601; without a zone: Vietnam time")
    clock_set.add_argument("--follow", action="store_true", help="then follow the wall clock")
    advance = clock.add_parser("advance")
    _directory_option(advance)
    advance.add_argument("duration", help="+30d, -2h, 90s, 1w, 1y")

    service = commands.add_parser("service", help="simulate outages").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    service_set = service.add_parser("set")
    _directory_option(service_set)
    service_set.add_argument("service", help="ocsp:<ca>, crl:<ca>, tsa:<ca> or certs:<ca>")
    service_set.add_argument(
        "mode", help="normal|http-500|no-answer|slow|stale|unauthorized|unknown (last two: OCSP)")
    service_set.add_argument("--delay", type=float, default=5.0, help="seconds, for 'slow'")
    add_verify_command(commands)
    add_sign_command(commands)
    add_scenario_command(commands)
    add_report_command(commands)
    add_emulate_command(commands)
    add_adapter_command(commands)
    conform = commands.add_parser("conform", help="run the conformance cases against a SUT")
    conform.add_argument("--sut", type=Path, required=True, help="the SUT profile (sut.toml)")
    conform.add_argument("--only", action="append", default=[],
                         help="only cases whose ID matches (shell pattern or substring)")
    conform.add_argument("--policy", default="default",
                         help="validation policy: default, strict, or a policy .yaml file")
    conform.add_argument("--out", type=Path, help="output directory (default: out/conform-<sut>)")
    conform.add_argument("--jobs", type=int, default=1,
                         help="scenarios played in parallel worker processes (default 1)")
    kit = commands.add_parser("kit", help="manual testing of GUI programs: export a kit, "
                              "import the filled results").add_subparsers(
        dest="action", required=True, parser_class=_Parser)
    kit_export = kit.add_parser("export", help="documents + checklist + results.csv")
    kit_export.add_argument("--sut", type=Path, required=True, help="a manual SUT profile")
    kit_export.add_argument("--out", type=Path, required=True, help="the kit folder (new)")
    kit_export.add_argument("--only", action="append", default=[])
    kit_import = kit.add_parser("import", help="judge a filled results.csv")
    kit_import.add_argument("results", type=Path, help="the kit's filled results.csv")
    kit_import.add_argument("--sut", type=Path, required=True)
    kit_import.add_argument("--out", type=Path, required=True)
    kit_import.add_argument("--policy", default="default")
    requirements = commands.add_parser("requirements",
                                       help="the coverage table: requirement → cases → defects")
    requirements.add_argument("--policy", default="default")
    requirements.add_argument("--mutants", action="store_true",
                              help="also play the catalogue with every defect (about 90 s)")
    mutants = commands.add_parser(
        "mutants", help="which checkpoint catches which defective variant of the reference tools")
    mutants.add_argument("--scenario", action="append", default=[],
                         help="limit to these catalogue scenarios (repeatable)")
    return parser


def _name_from(arguments: argparse.Namespace) -> VietnameseName | None:
    if arguments.name is None:
        return None
    return VietnameseName(
        common_name=arguments.name, title=arguments.title, organization=arguments.org,
        organizational_unit=arguments.unit, locality=arguments.province,
        identifier=arguments.identifier)


def _read_public_key(path: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization

    from testbed.errors import InvalidInputError

    try:
        data = path.read_bytes()
        key = (serialization.load_pem_public_key(data) if b"-----BEGIN" in data
               else serialization.load_der_public_key(data))
    except OSError as error:
        raise InvalidInputError(f"--public-key: cannot read {path} ({error.strerror})") from None
    except ValueError:
        raise InvalidInputError(f"--public-key: {path} is not a PEM or DER public key") from None
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _print_certificate(record: object) -> None:
    from testbed.world import CertificateRecord

    assert isinstance(record, CertificateRecord)
    status = "revoked " + record.revocation.reason.value if record.revocation else "issued"
    print(f"{record.label}\tserial {record.serial:#x}\t{record.not_before.isoformat()} → "
          f"{record.not_after.isoformat()}\t{status}")


def _up(arguments: argparse.Namespace) -> int:
    directory: Path = arguments.dir
    if (directory / "registry.json").exists():
        testbed = Testbed.open(directory)
        if arguments.at:
            testbed.set_clock(parse_instant(arguments.at, field="--at"),
                              follow_wall_clock=arguments.follow)
    else:
        at = parse_instant(arguments.at, field="--at") if arguments.at else None
        testbed = Testbed.create(directory, port=arguments.port, at=at,
                                 follow_wall_clock=arguments.follow,
                                 crl_period=parse_duration(arguments.crl_period,
                                                           field="--crl-period"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with testbed:
        state = testbed.state
        print(f"kyso testbed in {directory} — clock {state.clock.clock().describe()}")
        print(f"services on {state.base_url} (127.0.0.1 only)")
        for label, authority in state.authorities.items():
            urls = testbed.urls(label)
            print(f"  {label:11} {authority.name.common_name}")
            print(f"              OCSP {urls['ocsp']}\n              CRL  {urls['crl']}")
            if authority.tsa:
                print(f"              TSA  {urls['tsa']}")
        print("trust anchors:")
        for label, path in testbed.trust_anchor_paths().items():
            if state.authorities[label].parent is None:
                print(f"  {label:11} {path}")
        print("subscribers:" + ("" if state.subscribers else " none yet (kyso ca issue ...)"))
        for subscriber in state.subscribers.values():
            print(f"  {subscriber.id:20} {subscriber.name.common_name} "
                  f"({subscriber.profile.value}, {subscriber.current_certificate})")
        print("Ctrl-C stops the testbed.", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("kyso: testbed stopped")
    return EXIT_OK


def _ca(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    action = arguments.action
    if action == "issue":
        validity = timedelta(days=arguments.days) if arguments.days else None
        record = testbed.issue(
            arguments.subscriber, name=_name_from(arguments),
            profile=ProfileKind.parse(arguments.profile, field="--profile"),
            branch=_branch(arguments.branch),
            key_type=KeyType.parse(arguments.key, field="--key"),
            public_key_der=_read_public_key(arguments.public_key) if arguments.public_key
            else None,
            validity=validity,
            rule_breaks=[RuleBreak.parse(text, field="--break") for text in arguments.breaks])
        _print_certificate(record)
    elif action == "revoke":
        record = testbed.revoke(
            arguments.certificate,
            reason=RevocationReason.parse(arguments.reason, field="--reason"),
            at=parse_instant(arguments.at, field="--at") if arguments.at else None,
            invalidity_date=parse_instant(arguments.invalidity_date, field="--invalidity-date")
            if arguments.invalidity_date else None)
        _print_certificate(record)
    elif action == "renew":
        _print_certificate(testbed.renew(
            arguments.certificate,
            validity=timedelta(days=arguments.days) if arguments.days else None))
    elif action == "reissue":
        _print_certificate(testbed.reissue(arguments.certificate,
                                           key_type=KeyType.parse(arguments.key, field="--key")))
    elif action == "compromise":
        _print_certificate(testbed.compromise_authority(arguments.authority))
    elif action == "publish-crl":
        print(f"CRL of {arguments.authority} published at "
              f"{testbed.publish_crl(arguments.authority).isoformat()}")
    elif action == "list":
        state = testbed.state
        if arguments.json:
            print(json.dumps({label: record.model_dump(mode="json")
                              for label, record in state.certificates.items()},
                             ensure_ascii=False, indent=2))
        else:
            for record in state.certificates.values():
                _print_certificate(record)
    return EXIT_OK


def _bad_branch(text: str) -> Branch:
    from testbed.errors import InvalidInputError

    raise InvalidInputError(f"--branch: '{text}' is not one of cong-vu, public, other")


def _token(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    tokens = testbed.tokens
    action = arguments.action
    if action == "create":
        token, certificate = tokens.create(
            arguments.subscriber, key_type=arguments.key, max_pin_tries=arguments.max_pin_tries,
            reissue=arguments.reissue,
            **({} if arguments.reissue else {
                "name": _name_from(arguments),
                "profile": ProfileKind.parse(arguments.profile, field="--profile"),
                "branch": _branch(arguments.branch)}))
        print(f"token {token.label}: {token.key_type} key generated on the token")
        _print_certificate(certificate)
        print(tokens.access(token.label).text(), end="")
    elif action == "list":
        for record in testbed.state.tokens.values():
            print(f"{record.label}\t{record.subscriber}\t{record.key_type}\t"
                  f"{record.status.value}\t{record.certificate}")
    elif action == "show":
        record = testbed.state.token(arguments.label)
        print(f"status         : {record.status.value}")
        print(tokens.access(record.label).text(), end="")
        if arguments.reveal_pin:
            print(f"user PIN       : {tokens.user_pin(record.label)}")
    elif action == "lose":
        reported = (parse_instant(arguments.reported_at, field="--reported-at")
                    if arguments.reported_at else None)
        _print_certificate(tokens.lose(arguments.label, reported_at=reported))
    elif action == "lock":
        tries = tokens.lock(arguments.label)
        print(f"token {arguments.label}: locked after {tries} wrong PINs")
    elif action == "restore":
        tokens.restore(arguments.label, new_user_pin=arguments.new_pin)
        print(f"token {arguments.label}: restored; new PIN in {tokens.pin_file(arguments.label)}")
    elif action == "change-pin":
        tokens.change_pin(arguments.label, arguments.new_pin)
        print(f"token {arguments.label}: PIN changed")
    elif action == "return":
        tokens.give_back(arguments.label)
        print(f"token {arguments.label}: returned")
    elif action == "delete":
        tokens.delete(arguments.label)
        print(f"token {arguments.label}: deleted")
    return EXIT_OK


def _branch(text: str) -> Branch:
    if text in Branch._value2member_map_:
        return Branch(text)
    return _bad_branch(text)


def _clock(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    if arguments.action == "set":
        testbed.set_clock(parse_instant(arguments.instant, field="instant"),
                          follow_wall_clock=arguments.follow)
    elif arguments.action == "advance":
        testbed.advance_clock(parse_duration(arguments.duration, field="duration"))
    print(testbed.state.clock.clock().describe())
    return EXIT_OK


def _service(arguments: argparse.Namespace) -> int:
    from testbed.errors import InvalidInputError

    testbed = Testbed.open(arguments.dir)
    try:
        mode = ServiceMode(arguments.mode)
    except ValueError:
        allowed = ", ".join(member.value for member in ServiceMode)
        raise InvalidInputError(f"mode: '{arguments.mode}' is not one of {allowed}") from None
    testbed.set_service(arguments.service, mode, delay_seconds=arguments.delay)
    print(f"{arguments.service}: {mode.value}")
    return EXIT_OK


def _conform(arguments: argparse.Namespace) -> int:
    from conformance.runner import RunOptions, conform, exit_code

    out = arguments.out or Path("out") / f"conform-{arguments.sut.stem}"
    if arguments.jobs < 1:
        from testbed.errors import InvalidInputError

        raise InvalidInputError("--jobs: must be at least 1")
    results = conform(RunOptions(profile=arguments.sut, out=out, policy=arguments.policy,
                                 only=tuple(arguments.only), jobs=arguments.jobs))
    counts = ", ".join(f"{verdict.value} {count}" for verdict, count in
                       sorted(results.summary.cases.items()))
    print(f"{len(results.cases)} cases: {counts}")
    if results.summary.mandatory_failures:
        print("mandatory requirements failed / yêu cầu bắt buộc không đạt: "
              + ", ".join(results.summary.mandatory_failures))
    print(f"results: {out / 'results.json'}")
    return exit_code(results)


def _kit(arguments: argparse.Namespace) -> int:
    from conformance import kit

    if arguments.action == "export":
        answers = kit.export(arguments.sut, arguments.out, tuple(arguments.only))
        print(f"kit with {len(answers)} cases: {arguments.out} (fill results.csv, then "
              f"kyso kit import {arguments.out / 'results.csv'} --sut {arguments.sut} --out DIR)")
        return EXIT_OK
    from conformance.runner import exit_code

    results = kit.import_into(arguments.sut, arguments.results, arguments.out,
                              policy=arguments.policy)
    print(f"results: {arguments.out / 'results.json'}")
    return exit_code(results)


def _requirements(arguments: argparse.Namespace) -> int:
    from conformance.coverage import coverage_rows, render_coverage
    from conformance.policy import load_policy

    policy, digest = load_policy(arguments.policy)
    caught = None
    if arguments.mutants:
        from conformance.mutants import mutation_table

        caught = {}
        for defect, checkpoints in mutation_table().caught.items():
            for checkpoint in checkpoints:
                caught.setdefault(checkpoint, []).append(defect.value)
    print(f"policy {policy.name} (sha256 {digest[:16]}…)")
    print(render_coverage(coverage_rows(policy, caught), with_defects=caught is not None))
    return EXIT_OK


def _mutants(arguments: argparse.Namespace) -> int:
    from conformance.mutants import mutation_table
    from scenarios.loader import find_scenario

    paths = [find_scenario(name) for name in arguments.scenario] or None
    table = mutation_table(paths)
    print(table.render())
    return EXIT_FAILED if table.uncaught or table.reference_failures else EXIT_OK


def _demo(arguments: argparse.Namespace) -> int:
    from conformance.demo import run_demo

    return run_demo(arguments.dir)


_HANDLERS = {"up": _up, "ca": _ca, "token": _token, "clock": _clock, "service": _service,
             "demo": _demo, "mutants": _mutants, "conform": _conform,
             "requirements": _requirements, "kit": _kit}
def _verify(arguments: argparse.Namespace) -> int:
    if not arguments.defect:
        return run_verify(arguments)
    from conformance.reference.defects import DefectiveVerifier, parse_defect

    variant = DefectiveVerifier(parse_defect(arguments.defect, "verifier"))
    return run_verify(arguments, variant=variant.verify_document)


def _sign(arguments: argparse.Namespace) -> int:
    if not arguments.defect:
        return run_sign_command(arguments)
    from conformance.reference.defects import DefectiveSigner, parse_defect

    return run_sign_command(arguments, variant=DefectiveSigner(
        parse_defect(arguments.defect, "signer")).sign)


_HANDLERS.update({"verify": _verify, "sign": _sign,
                  "scenario": run_scenario_command, "report": run_report_command})
_HANDLERS["emulate"] = run_emulate_command
_HANDLERS["adapter"] = run_adapter_command


def _quiet_libraries() -> None:
    """pyHanko and certvalidator log every failed check with a traceback; kyso reports the
    outcome itself, so their logs stay below CRITICAL unless KYSO_DEBUG is set."""
    if not os.environ.get("KYSO_DEBUG"):
        for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_libraries()
    arguments = build_parser().parse_args(argv)
    try:
        return _HANDLERS[arguments.command](arguments)
    except TestbedError as error:
        print(f"kyso: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
