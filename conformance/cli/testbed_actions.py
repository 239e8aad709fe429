"""What the testbed group's commands do: ``kyso up``, ``ca``, ``token``, ``clock``, ``service``.

Imported only when one of these commands runs (it loads the testbed: certomancer, pydantic,
SoftHSM). Each function reads the parsed arguments (already checked against the enums' choices
by :mod:`conformance.cli.testbed_commands`), calls :class:`testbed.session.Testbed`, prints what
a person needs and returns the exit code. Mistakes raise a :class:`testbed.errors.TestbedError`,
which the root command turns into one line and exit code 2. What it prints is said Vietnamese
first, its times in Vietnam time (:func:`testbed.display_time`); ``--json``
keeps UTC with its ``Z``.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from datetime import timedelta
from pathlib import Path

from bilingual import say
from testbed import (
    Branch,
    CertificateRecord,
    InvalidInputError,
    KeyType,
    ProfileKind,
    RevocationReason,
    RuleBreak,
    ServiceMode,
    Testbed,
    VietnameseName,
    WorldStore,
    display_time,
    parse_duration,
    parse_instant,
    registry_exists,
)

from . import testbed_process
from .exit_codes import ExitCode


def run_testbed_command(arguments: argparse.Namespace) -> int:
    """Run ``kyso up|down|ca|token|clock|service`` as parsed."""
    return _COMMANDS[arguments.command](arguments)


def _name_from(arguments: argparse.Namespace) -> VietnameseName | None:
    if arguments.name is None:
        return None
    return VietnameseName(
        common_name=arguments.name, title=arguments.title, organization=arguments.org,
        organizational_unit=arguments.unit, locality=arguments.province,
        identifier=arguments.identifier)


def _read_public_key(path: Path) -> bytes:
    from cryptography.hazmat.primitives import serialization

    try:
        data = path.read_bytes()
        key = (serialization.load_pem_public_key(data) if b"-----BEGIN" in data
               else serialization.load_der_public_key(data))
    except OSError as error:
        raise InvalidInputError(say(f"--public-key: không đọc được {path} ({error.strerror})",
                                    f"--public-key: cannot read {path} ({error.strerror})")
                                ) from None
    except ValueError:
        raise InvalidInputError(say(f"--public-key: {path} không phải khóa công khai PEM hay DER",
                                    f"--public-key: {path} is not a PEM or DER public key")
                                ) from None
    return key.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def _print_certificate(record: CertificateRecord) -> None:
    """One certificate on one line: label, serial, validity (Vietnam time), status."""
    if record.revocation is None:
        status = say("đã cấp", "issued")
    else:
        reason, at = record.revocation.reason, display_time(record.revocation.revoked_at)
        status = say(f"đã thu hồi ({reason.vietnamese}) lúc {at}",
                     f"revoked ({reason.english}) at {at}")
    print(f"{record.label}\tserial {record.serial:#x}\t{display_time(record.not_before)} → "
          f"{display_time(record.not_after)}\t{status}")


def _up(arguments: argparse.Namespace) -> int:
    directory: Path = arguments.dir
    if arguments.background:
        return testbed_process.start_in_background(arguments)
    testbed_process.refuse_if_running(directory)
    if registry_exists(directory):
        testbed = Testbed.open(directory)
        if arguments.at:
            testbed.set_clock(parse_instant(arguments.at, field="--at"),
                              follow_wall_clock=arguments.follow)
    else:
        at = parse_instant(arguments.at, field="--at") if arguments.at else None
        testbed = Testbed.create(directory, port=arguments.port, at=at,
                                 follow_wall_clock=arguments.follow,
                                 crl_period=parse_duration(arguments.crl_period,
                                                           field="--crl-period"),
                                 service_key=KeyType(arguments.service_key))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Ctrl-C stops it even when started with SIGINT ignored (a job a non-interactive shell or
    # a CI runner put in the background: Python then keeps SIGINT ignored, and `kyso up` would
    # serve until killed)
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with testbed, testbed_process.recorded_as_serving(directory):
        try:  # from the description on: Ctrl-C may come as soon as its last line is out
            _describe(testbed, directory)
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print(say("kyso: testbed đã dừng", "kyso: testbed stopped"))
    return ExitCode.OK


DESCRIBED_SUBSCRIBERS = 20
"""Subscribers ``kyso up`` lists by name (a populated CA has hundreds of thousands)."""


def _describe(testbed: Testbed, directory: Path) -> None:
    """What a person starting a testbed needs: clock, service URLs, trust anchors, subscribers."""
    state = testbed.state
    clock = testbed.state.clock.clock().describe()
    print(say(f"kyso testbed ở {directory} — đồng hồ {clock}",
              f"kyso testbed in {directory} — clock {clock}"))
    print(say(f"dịch vụ tại {state.base_url} (chỉ 127.0.0.1)",
              f"services on {state.base_url} (127.0.0.1 only)"))
    for label, authority in state.authorities.items():
        urls = testbed.urls(label)
        print(f"  {label:11} {authority.name.common_name}")
        print(f"              OCSP {urls['ocsp']}\n              CRL  {urls['crl']}")
        if authority.tsa:
            print(f"              TSA  {urls['tsa']}")
    print(say("gốc tin cậy:", "trust anchors:"))
    for label, path in testbed.trust_anchor_paths().items():
        if state.authorities[label].parent is None:
            print(f"  {label:11} {path}")
    print(say("thuê bao:", "subscribers:") if state.subscribers else
          say("thuê bao: chưa có (kyso ca issue ...)", "subscribers: none yet (kyso ca issue ...)"))
    subscribers = list(state.subscribers.values())
    for subscriber in subscribers[:DESCRIBED_SUBSCRIBERS]:
        print(f"  {subscriber.id:20} {subscriber.name.common_name} "
              f"({subscriber.profile.words()}, {subscriber.current_certificate})")
    if len(subscribers) > DESCRIBED_SUBSCRIBERS:
        more = len(subscribers) - DESCRIBED_SUBSCRIBERS
        print(say(f"  … và {more:,} thuê bao khác (kyso ca list)",
                  f"  … and {more:,} more subscribers (kyso ca list)"))
    print(testbed_process.stop_hint(), flush=True)


def _ca(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    action = arguments.action
    if action == "issue":
        _print_certificate(testbed.issue(
            arguments.subscriber, name=_name_from(arguments),
            profile=ProfileKind(arguments.profile), branch=Branch(arguments.branch),
            key_type=KeyType(arguments.key),
            public_key_der=_read_public_key(arguments.public_key) if arguments.public_key
            else None,
            validity=timedelta(days=arguments.days) if arguments.days else None,
            rule_breaks=[RuleBreak(text) for text in arguments.breaks]))
    elif action == "revoke":
        _print_certificate(testbed.revoke(
            arguments.certificate, reason=RevocationReason(arguments.reason),
            at=parse_instant(arguments.at, field="--at") if arguments.at else None,
            invalidity_date=parse_instant(arguments.invalidity_date, field="--invalidity-date")
            if arguments.invalidity_date else None))
    elif action == "renew":
        _print_certificate(testbed.renew(
            arguments.certificate,
            validity=timedelta(days=arguments.days) if arguments.days else None))
    elif action == "reissue":
        _print_certificate(testbed.reissue(arguments.certificate,
                                           key_type=KeyType(arguments.key)))
    elif action == "compromise":
        _print_certificate(testbed.compromise_authority(arguments.authority))
    elif action == "publish-crl":
        at = display_time(testbed.publish_crl(arguments.authority))
        print(say(f"CRL của {arguments.authority} đã phát hành lúc {at}",
                  f"CRL of {arguments.authority} published at {at}"))
    elif action == "renew-tsa":
        _print_certificate(testbed.renew_timestamp_authority(arguments.authority))
    elif action == "populate":
        _populate(testbed, arguments)
    elif action == "export":
        path = WorldStore(arguments.dir).export(arguments.output)
        print(say(f"đã ghi sổ đăng ký vào {path}", f"registry written to {path}"))
    elif action == "list":
        certificates = testbed.state.certificates
        if arguments.json:
            print(json.dumps({label: record.model_dump(mode="json")
                              for label, record in certificates.items()},
                             ensure_ascii=False, indent=2))
        else:
            for record in certificates.values():
                _print_certificate(record)
    return ExitCode.OK


def _token(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    tokens = testbed.tokens
    action, label = arguments.action, getattr(arguments, "label", None)
    if action == "create":
        _token_create(testbed, arguments)
    elif action == "populate":
        _populate(testbed, arguments)
    elif action == "export":
        path = WorldStore(arguments.dir).export(arguments.output)
        print(say(f"đã ghi sổ đăng ký vào {path}", f"registry written to {path}"))
    elif action == "list":
        for record in testbed.state.tokens.values():
            print(f"{record.label}\t{record.subscriber}\t{record.key_type}\t"
                  f"{record.status.words()}\t{record.certificate}")
    elif action == "show":
        _token_show(testbed, label, reveal_pin=arguments.reveal_pin)
    elif action == "lose":
        reported = (parse_instant(arguments.reported_at, field="--reported-at")
                    if arguments.reported_at else None)
        _print_certificate(tokens.lose(label, reported_at=reported))
    elif action == "lock":
        tries = tokens.lock(label)
        print(say(f"token {label}: bị khóa sau {tries} lần nhập sai mã PIN",
                  f"token {label}: locked after {tries} wrong PINs"))
    elif action == "restore":
        tokens.restore(label, new_user_pin=arguments.new_pin)
        pin_file = tokens.pin_file(label)
        print(say(f"token {label}: đã khôi phục; mã PIN mới trong {pin_file}",
                  f"token {label}: restored; new PIN in {pin_file}"))
    elif action == "change-pin":
        tokens.change_pin(label, arguments.new_pin)
        print(say(f"token {label}: đã đổi mã PIN", f"token {label}: PIN changed"))
    elif action == "return":
        tokens.give_back(label)
        print(say(f"token {label}: đã trả lại", f"token {label}: returned"))
    elif action == "delete":
        tokens.delete(label)
        print(say(f"token {label}: đã xóa", f"token {label}: deleted"))
    return ExitCode.OK


def _token_create(testbed: Testbed, arguments: argparse.Namespace) -> None:
    tokens = testbed.tokens
    token, certificate = tokens.create(
        arguments.subscriber, key_type=arguments.key, max_pin_tries=arguments.max_pin_tries,
        reissue=arguments.reissue,
        **({} if arguments.reissue else {
            "name": _name_from(arguments), "profile": ProfileKind(arguments.profile),
            "branch": Branch(arguments.branch)}))
    print(say(f"token {token.label}: khóa {token.key_type} đã được sinh trên token",
              f"token {token.label}: {token.key_type} key generated on the token"))
    _print_certificate(certificate)
    print(tokens.access(token.label).text(), end="")


def _token_show(testbed: Testbed, label: str, *, reveal_pin: bool) -> None:
    """Where the token is, its PIN tries, what a program needs to use it.

    The PIN-try limit shown is the token's own, from its lockout state: an access file written
    by an older kyso names no limit, or the installation's default in its environment, which
    is not what the token enforces; the environment shown carries the token's limit."""
    tokens = testbed.tokens
    record, condition = testbed.state.token(label), tokens.condition(label)
    print(say(f"trạng thái     : {condition.status}", f"status         : {condition.status}"))
    access = tokens.access(record.label)
    if condition.max_pin_tries is not None:
        left, limit = condition.tries_left, condition.max_pin_tries
        print(say(f"lượt nhập PIN  : còn {left} trên {limit}",
                  f"PIN tries      : {left} left of {limit}"))
        access = access.with_pin_try_limit(limit)
    print(access.text(), end="")
    if reveal_pin:
        pin = tokens.user_pin(record.label)
        print(say(f"mã PIN người dùng: {pin}", f"user PIN       : {pin}"))


def _clock(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    if arguments.action == "set":
        testbed.set_clock(parse_instant(arguments.instant, field="instant"),
                          follow_wall_clock=arguments.follow)
    elif arguments.action == "advance":
        testbed.advance_clock(parse_duration(arguments.duration, field="duration"))
    print(testbed.state.clock.clock().describe())
    return ExitCode.OK


def _service(arguments: argparse.Namespace) -> int:
    testbed = Testbed.open(arguments.dir)
    mode = ServiceMode(arguments.mode)
    testbed.set_service(arguments.service, mode, delay_seconds=arguments.delay)
    print(f"{arguments.service}: {mode.words()}")
    return ExitCode.OK


def _populate(testbed: Testbed, arguments: argparse.Namespace) -> None:
    from testbed import populate

    done = populate(testbed.lifecycle, arguments.subscribers, arguments.revoked,
                    seed=arguments.seed, issuer=arguments.issuer)
    print(say(f"{done.issuer}: đã cấp {done.subscribers} chứng thư chữ ký số ({done.first} … "
              f"{done.last}), thu hồi {done.revoked}, trong {done.seconds:.1f} s",
              f"{done.issuer}: issued {done.subscribers} certificates ({done.first} … "
              f"{done.last}), revoked {done.revoked}, in {done.seconds:.1f} s"))


def _down(arguments: argparse.Namespace) -> int:
    code = testbed_process.stop(arguments.dir)
    store = WorldStore(arguments.dir)
    if store.exists() and not store.path.exists():  # a large registry's export, now current
        store.export()
    return code


_COMMANDS = {"up": _up, "down": _down, "ca": _ca, "token": _token, "clock": _clock,
             "service": _service}


__all__ = ["run_testbed_command"]
