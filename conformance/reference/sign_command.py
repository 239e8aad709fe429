"""``kyso sign``: the reference signer (or a named defective variant) on the command line.

Any format of TT15/2025 Annex I: the input chooses (a PDF is signed PAdES, an XML document
XAdES, any other file gets a detached CAdES ``.p7s``) unless ``--format`` says
(:mod:`conformance.reference.format_choice`); XML and CMS go through
:mod:`conformance.reference.format_signing`.

The command reads the testbed directory for everything a signer needs (the token's access file
and PIN file, the trusted roots, the TSA the issuing CA publishes, the testbed's instant), signs
with :func:`conformance.reference.signer.sign`, and prints the answer: the text a person would
see, or the adapter-contract JSON with ``--json``. Exit codes follow kyso's one contract
(:mod:`conformance.cli.exit_codes`): 0 signed, 1 refused (the answer is printed all the same:
a script tells a refusal from a signature by the status alone), 2 a usage or input error, 3 the
signer broke.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import Language, current, say
from conformance.cli.exit_codes import ExitCode
from conformance.reference.signer import sign, signing_context_from_testbed
from conformance.reference.signing_request import (
    SignatureLevel,
    SignerInputError,
    VisibleSignature,
)
from conformance.verdict import SignerAnswer, SignerOutcome
from scenarios import SignatureFormat
from testbed import TestbedError, UnknownSubscriberError


def _parse_visible(text: str) -> VisibleSignature:
    parts = [part.strip() for part in text.split(",")]
    try:
        numbers = [int(float(part)) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 5 or numbers[0] < 1 or numbers[1] >= numbers[3] \
            or numbers[2] >= numbers[4]:
        raise SignerInputError(say(
            f"--visible: '{text}' không phải PAGE,X1,Y1,X2,Y2 (trang đếm từ 1, X1<X2, Y1<Y2)",
            f"--visible: '{text}' is not PAGE,X1,Y1,X2,Y2 (page from 1, X1<X2, Y1<Y2)"))
    return VisibleSignature(page=numbers[0], box=(numbers[1], numbers[2], numbers[3],
                                                  numbers[4]))


def _read_pin(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise SignerInputError(say(f"--pin-file: không đọc được {path} ({error.strerror})",
                                   f"--pin-file: cannot read {path} ({error.strerror})")
                               ) from None


def run_sign_command(arguments: argparse.Namespace, *,
                     variant: Callable[[Any], SignerAnswer] | None = None) -> int:
    """``kyso sign``: exit 0 signed, 1 refused, 2 a usage or input error, 3 the signer broke."""
    from conformance.reference.format_choice import signing_format
    from conformance.reference.format_signing import check_options, sign_in_format
    from testbed import Testbed

    signature_format = signing_format(Path(arguments.input), getattr(arguments, "format", None))
    check_options(arguments, signature_format)
    pades = signature_format is SignatureFormat.PADES
    level = SignatureLevel.parse(arguments.level or SignatureLevel.B_LT.value) if pades else None
    visible = _parse_visible(arguments.visible) if arguments.visible else None
    testbed = Testbed.open(arguments.testbed)
    try:
        access, roots, tsa_url, moment = signing_context_from_testbed(testbed, arguments.token)
    except UnknownSubscriberError as error:
        raise SignerInputError(f"--token: {error}") from None
    pin_file = arguments.pin_file or testbed.tokens.pin_file(arguments.token)
    if variant is not None:
        return _run_variant(variant, arguments, testbed, pin_file, tsa_url, moment,
                            signature_format)
    try:
        if not pades:
            answer = sign_in_format(arguments, signature_format, access=access,
                                    pin=_read_pin(pin_file), roots=roots,
                                    tsa_url=arguments.tsa_url or tsa_url, moment=moment)
        else:
            answer = sign(arguments.input, arguments.output, access=access,
                          pin=_read_pin(pin_file), trust_roots=roots, moment=moment,
                          level=level, tsa_url=arguments.tsa_url or tsa_url, visible=visible,
                          reason=arguments.reason, location=arguments.location,
                          field_name=arguments.field, signer_name=arguments.name,
                          organisation=arguments.org, rsa_pss=arguments.rsa_pss,
                          module=arguments.module)
    except TestbedError:
        raise  # the root command prints it as one line and exits 2
    except Exception as error:  # noqa: BLE001 (a signer answers; it never dumps a traceback)
        what = f"{type(error).__name__}: {error}"
        print(say(f"kyso sign: lỗi nội bộ: {what}", f"kyso sign: internal error: {what}"),
              file=sys.stderr)
        return ExitCode.ERROR
    _print_answer(answer, json_output=arguments.json)
    return _exit_code(answer)


def _exit_code(answer: SignerAnswer) -> ExitCode:
    """0 for a signature, 1 for a refusal (both are answers; only the status tells them apart)."""
    return ExitCode.OK if answer.outcome is SignerOutcome.SIGNED else ExitCode.REFUSED


def _print_answer(answer: SignerAnswer, *, json_output: bool) -> None:
    if json_output:
        print(answer.model_dump_json(indent=2))
    else:
        print(_in_language(answer.display))
        for warning in answer.warnings:
            print(f"⚠ {warning}")
        if answer.output:
            print(answer.output)
    sys.stdout.flush()


def _in_language(display: str | None) -> str | None:
    """The signer's screen text in the language chosen (``kyso --lang``): it is its Vietnamese
    line(s), then as many English ones (:func:`signer.sign`'s answers); anything else as is."""
    lines = (display or "").splitlines()
    if current() is Language.BOTH or not lines or len(lines) % 2:
        return display
    half = len(lines) // 2
    return "\n".join(lines[half:] if current() is Language.ENGLISH else lines[:half])


def _run_variant(variant: Callable[[Any], SignerAnswer], arguments: argparse.Namespace,
                 testbed: Any, pin_file: Path, tsa_url: str | None, moment: datetime,
                 signature_format: SignatureFormat = SignatureFormat.PADES) -> int:
    """``kyso sign --defect NAME``: another signer (a defective variant, which lives in
    :mod:`conformance.reference.defects`) answers the same request."""
    from conformance.reference.format_choice import detached_output
    from conformance.reference.format_signing import default_level
    from scenarios import SignRequest

    output = detached_output(Path(arguments.output)) if signature_format.detached \
        else arguments.output
    level = arguments.level or default_level(signature_format)
    token = testbed.state.token(arguments.token)
    request = SignRequest(
        input=arguments.input, output=output,
        token_access=testbed.directory / token.access_file, pin_file=pin_file,
        token_label=token.label, trust_roots=[
            path for label, path in testbed.trust_anchor_paths().items()
            if label in ("root-cv", "root-neac")],
        tsa_url=arguments.tsa_url or tsa_url,
        level=SignatureLevel.parse(level).value if signature_format is SignatureFormat.PADES
        else level, moment=moment, field_name=arguments.field, format=signature_format)
    answer = variant(request)
    _print_answer(answer, json_output=arguments.json)
    return _exit_code(answer)
