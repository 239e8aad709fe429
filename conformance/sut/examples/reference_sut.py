"""kyso's reference signer and verifier behind the adapter contract v1, as a vendor would wrap
their own tool: explicit inputs only (no testbed directory), one JSON answer on stdout, logs on
stderr, PIN read from a file.

    reference_sut.py sign --input IN.pdf --output OUT.pdf --token-access ACCESS.json \\
        --pin-file PIN --trust ROOT.pem [--trust ...] --moment ISO --level B-LT \\
        [--tsa-url URL] [--field-name NAME] [--format FORMAT] [--defect NAME]
    reference_sut.py verify --input IN.pdf --trust ROOT.pem [...] --moment ISO \
        [--format FORMAT] [--content FILE] [--defect NAME]
    reference_sut.py batch [--defect NAME]      (BatchInput on stdin, BatchOutput on stdout)

``--defect`` selects one of the deliberately defective variants of
:mod:`conformance.reference.defects` (e.g. ``ignore-revocation``): that is how the example
defective profile is made. Exit codes: 0 answered, 64 unsupported (an unknown defect for the
role), 3 internal error (a message on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import say

EXIT_ANSWERED, EXIT_INTERNAL, EXIT_UNSUPPORTED = 0, 3, 64


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reference_sut.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sign = commands.add_parser("sign", help=say("ký số một tệp PDF bằng token PKCS#11",
                                                "sign one PDF on a PKCS#11 token"))
    sign.add_argument("--input", type=Path, required=True)
    sign.add_argument("--output", type=Path, required=True)
    sign.add_argument("--token-access", type=Path, required=True)
    sign.add_argument("--pin-file", type=Path, required=True)
    sign.add_argument("--trust", type=Path, action="append", default=[])
    sign.add_argument("--tsa-url", default="")
    sign.add_argument("--moment", required=True)
    sign.add_argument("--level", default="B-LT")
    sign.add_argument("--field-name", default="")
    sign.add_argument("--visible", nargs="?", const="true", default="false",
                      choices=["true", "false"],
                      help=say("chữ ký hiển thị (cờ trống hoặc true/false, cho {visible})",
                               "a visible signature (bare flag or true/false, for {visible})"))
    verify = commands.add_parser("verify", help=say("kiểm tra mọi chữ ký số của một tệp PDF",
                                                    "verify every signature of one PDF"))
    verify.add_argument("--input", type=Path, required=True)
    verify.add_argument("--trust", type=Path, action="append", default=[])
    verify.add_argument("--moment", required=True)
    verify.add_argument("--content", default="", help=say(
        "nội dung đã ký của chữ ký tách rời (cades, cms; rỗng: không có)",
        "the signed content of a detached signature (cades, cms; empty: none)"))
    for command in (sign, verify):
        command.add_argument("--format", default="pades", help=say(
            "định dạng chữ ký: pades, xades, xmldsig, cades, cms",
            "the signature format: pades, xades, xmldsig, cades, cms"))
    commands.add_parser("batch", help=say(
        "nhiều điểm kiểm tra: BatchInput trên stdin, BatchOutput trên stdout",
        "many cases: BatchInput on stdin, BatchOutput on stdout"))
    for command in commands.choices.values():
        command.add_argument("--defect", help=say(
            "một lỗi cố ý có tên trong conformance.reference.defects",
            "a named defect of conformance.reference.defects"))
    return parser


def _roles(defect: str | None) -> tuple[Any, Any]:
    """(signer, verifier): the reference tools, or the one named defective variant."""
    from conformance.reference.roles import ReferenceSigner, ReferenceVerifier

    if not defect:
        return ReferenceSigner(), ReferenceVerifier()
    from conformance.reference.defects import Defect, DefectiveSigner, DefectiveVerifier

    chosen = Defect(defect)  # ValueError: unknown defect
    if chosen.role == "signer":
        return DefectiveSigner(chosen), ReferenceVerifier()
    return ReferenceSigner(), DefectiveVerifier(chosen)


def _sign_request(case: Any) -> Any:
    from scenarios import SignRequest

    return SignRequest(
        input=Path(case.input), output=Path(case.output), token_access=Path(case.token_access),
        pin_file=Path(case.pin_file), token_label=case.token_label,
        trust_roots=[Path(p) for p in case.trust_files], tsa_url=case.tsa_url or None,
        level=case.level, moment=datetime.fromisoformat(case.moment), visible=case.visible,
        reason=case.reason, location=case.location, field_name=case.field_name or None,
        workdir=_case_directory(case), format=case.format)


def _verify_request(case: Any) -> Any:
    from scenarios import VerifyRequest

    return VerifyRequest(input=Path(case.input), trust_roots=[Path(p) for p in case.trust_files],
                         moment=datetime.fromisoformat(case.moment),
                         workdir=_case_directory(case), format=case.format,
                         content=Path(case.content) if case.content else None)


def _case_directory(case: Any) -> Path:
    """Where the reference tools store a case's evidence: the process's private working
    directory (one per case under it in batch mode)."""
    if case.case_id == "cli":
        return Path.cwd()
    return Path.cwd() / "".join(c if c.isalnum() or c in "-_." else "_" for c in case.case_id)


def _absolute(answer: Any, case: Any) -> Any:
    """The answer with its evidence paths absolute: the adapter reads them against the case's
    directory, not this process's working directory."""
    directory = _case_directory(case).resolve()
    return answer.model_copy(update={"evidence": {
        key: str(directory / path) for key, path in answer.evidence.items()}})


def _batch(signer: Any, verifier: Any) -> dict[str, Any]:
    from conformance.sut.contract import BatchInput, SignCase

    cases = BatchInput.model_validate_json(sys.stdin.buffer.read()).cases
    results = []
    for case in cases:
        try:
            if isinstance(case, SignCase):
                answer = _absolute(signer.sign(_sign_request(case)), case)
            else:
                answer = _absolute(verifier.verify(_verify_request(case)), case)
        except Exception as error:  # noqa: BLE001 (one case's failure: left out, said on stderr)
            cause = f"{type(error).__name__}: {error}"
            print(f"reference_sut: {case.case_id}: " + say(f"lỗi nội bộ: {cause}",
                                                          f"internal error: {cause}"),
                  file=sys.stderr)
            continue
        results.append({"case_id": case.case_id, "answer": answer.model_dump(mode="json")})
    return {"version": 1, "results": results}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.ERROR)  # logs never go to stdout
    try:
        signer, verifier = _roles(arguments.defect)
    except ValueError:
        print(say(f"không có lỗi cố ý tên {arguments.defect!r}",
                  f"unknown defect {arguments.defect!r}"), file=sys.stderr)
        return EXIT_UNSUPPORTED
    try:
        if arguments.command == "batch":
            print(json.dumps(_batch(signer, verifier), ensure_ascii=False))
            return EXIT_ANSWERED
        from conformance.sut.contract import SignCase, VerifyCase

        trust = [str(path.resolve()) for path in arguments.trust]
        if arguments.command == "sign":
            from testbed import TokenAccess

            access = TokenAccess.load(arguments.token_access)
            case = SignCase(
                case_id="cli", input=str(arguments.input), output=str(arguments.output),
                token_access=str(arguments.token_access), pin_file=str(arguments.pin_file),
                token_label=access.token_label, key_label=access.key_label,
                certificate_label=access.certificate_label, module=access.module,
                trust_files=trust, tsa_url=arguments.tsa_url or None, moment=arguments.moment,
                level=arguments.level, visible=arguments.visible == "true",
                field_name=arguments.field_name or None, format=arguments.format)
            answer = _absolute(signer.sign(_sign_request(case)), case)
        else:
            case = VerifyCase(case_id="cli", input=str(arguments.input), trust_files=trust,
                              moment=arguments.moment, format=arguments.format,
                              content=str(arguments.content) if arguments.content else None)
            answer = _absolute(verifier.verify(_verify_request(case)), case)
    except Exception as error:  # noqa: BLE001 (contract: a message on stderr, exit 3)
        cause = f"{type(error).__name__}: {error}"
        print("reference_sut: " + say(f"lỗi nội bộ: {cause}", f"internal error: {cause}"),
              file=sys.stderr)
        return EXIT_INTERNAL
    print(answer.model_dump_json())
    return EXIT_ANSWERED


if __name__ == "__main__":
    sys.exit(main())
