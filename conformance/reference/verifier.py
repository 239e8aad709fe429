"""The reference verifier: a thin face over :mod:`conformance.oracle` and the bilingual messages.

:func:`verify` answers in the adapter contract's :class:`~conformance.verdict.VerifierAnswer`
(one :class:`SignatureAnswer` per signature, with the TT15-6.4.b fields in ``display``);
:func:`render_text` is what a person reads: every signature in Vietnamese first, then in English.
``kyso verify FILE.pdf`` runs :func:`run_verify` (its options are in
:mod:`conformance.cli.signing_commands`).

Bad input never raises: a file that is not a PDF, cannot be read or is damaged beyond parsing
gives an answer whose ``error`` says so (the command prints one line and exits 2); a PDF without
a signature gives an answer with no signatures and an ``error`` saying there is none.

Exit codes of ``kyso verify``: 0 every signature valid, 1 some signature not valid (or none at
all), 2 input or usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509

from bilingual import say
from conformance.cli.exit_codes import ExitCode
from conformance.oracle import (
    DocumentError,
    DocumentResult,
    OracleOptions,
    SignatureKind,
    load_certificates,
    validate_pdf,
)
from conformance.reference.messages import (
    NO_SIGNATURE,
    Message,
    display_dict,
    signature_lines,
    vietnam_time,
)
from conformance.verdict import Indication, SignatureAnswer, VerifierAnswer
from testbed import InvalidInputError

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Verification:
    """A verification with everything behind the answer: the oracle's result, if it ran."""

    answer: VerifierAnswer
    result: DocumentResult | None
    input_error: bool = False
    """True when the file could not be checked at all (not a PDF, unreadable, damaged)."""


def verify(document: Path | str | bytes, trust_roots: Sequence[x509.Certificate], *,
           at: datetime | None = None, options: OracleOptions | None = None) -> VerifierAnswer:
    """Verify every signature of ``document`` (a path or the PDF bytes) at ``at`` (default now)."""
    return verify_in_detail(document, trust_roots, at=at, options=options).answer


def verify_in_detail(document: Path | str | bytes, trust_roots: Sequence[x509.Certificate], *,
                     at: datetime | None = None,
                     options: OracleOptions | None = None) -> Verification:
    """:func:`verify`, also returning the oracle's full result."""
    name = "" if isinstance(document, bytes) else str(document)
    try:
        data = document if isinstance(document, bytes) else _read(Path(document))
        result = validate_pdf(data, trust_roots, at=at, options=options)
    except DocumentError as error:
        message = _input_error(name, str(error))
        return Verification(VerifierAnswer(error=message.text(), display=message.text()), None,
                            input_error=True)
    return Verification(answer_for(result, name=name), result)


def answer_for(result: DocumentResult, *, name: str = "") -> VerifierAnswer:
    """The contract-v1 answer (what a person is shown, field by field) for an oracle result."""
    signatures = [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE]
    return VerifierAnswer(
        signatures=[SignatureAnswer(
            field_name=s.field_name, indication=s.indication, sub_indication=s.sub_indication,
            display=display_dict(s),
            warnings=[w for w in [_warning(s)] if w]) for s in signatures],
        display=render_text(result, name=name),
        error=None if signatures else NO_SIGNATURE.text())


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(TOO_LARGE.format(mib=MAX_DOCUMENT_BYTES // (1024 * 1024)))
        return path.read_bytes()
    except IsADirectoryError:
        raise DocumentError(IS_A_DIRECTORY) from None
    except OSError as error:
        raise DocumentError(UNREADABLE.format(reason=error.strerror or error)) from None


TOO_LARGE = "larger than {mib} MiB"
IS_A_DIRECTORY = "is a directory, not a file"
UNREADABLE = "cannot be read ({reason})"
"""Why a file cannot be checked, in English: :func:`_input_error` says it Vietnamese first
(:func:`_vietnamese_detail`)."""


def _input_error(name: str, detail: str) -> Message:
    where = f"{name}: " if name else ""
    return Message(f"{where}không kiểm tra được tệp: {_vietnamese_detail(detail)}",
                   f"{where}cannot check the file: {detail}")


def _vietnamese_detail(detail: str) -> str:
    if detail.startswith("not a PDF"):
        return "không phải tệp PDF"
    if detail.startswith("damaged PDF: objects nested"):
        return "tệp PDF bị hỏng: các đối tượng lồng nhau quá sâu hoặc tham chiếu vòng"
    if detail.startswith("damaged"):
        return "tệp PDF bị hỏng hoặc không đầy đủ"
    if detail.startswith("cannot be read"):
        return "không đọc được tệp"
    if detail.startswith("larger than"):
        return "tệp lớn hơn " + detail.removeprefix("larger than ")
    if detail == IS_A_DIRECTORY:
        return "là một thư mục, không phải tệp"
    return detail


def _warning(result: Any) -> str | None:
    """Annex II 1.2: when the revocation status cannot be obtained, warn (in both languages)."""
    from conformance.verdict import SubIndication

    if result.sub_indication is SubIndication.TRY_LATER:
        return Message("Cảnh báo: không kiểm tra được trạng thái thu hồi của chứng thư chữ ký số",
                       "Warning: the certificate's revocation status could not be checked").text()
    return None


def render_text(result: DocumentResult, *, name: str = "") -> str:
    """Every signature (and document timestamp) in Vietnamese, then the same in English."""
    heading = Message(f"Kết quả kiểm tra chữ ký số{': ' + name if name else ''}",
                      f"Signature verification{': ' + name if name else ''}")
    checked = Message(f"Thời điểm kiểm tra: {vietnam_time(result.validation_time)}",
                      f"Validated at: {vietnam_time(result.validation_time)}")
    blocks: list[str] = []
    for english in (False, True):
        pick = (lambda m: m.english) if english else (lambda m: m.vietnamese)
        lines = [pick(heading), pick(checked)]
        if result.signature_count == 0:
            lines.append(pick(NO_SIGNATURE))
        counters = {SignatureKind.SIGNATURE: 0, SignatureKind.DOCUMENT_TIMESTAMP: 0}
        for signature in result.signatures:
            counters[signature.kind] += 1
            lines.extend(signature_lines(signature, counters[signature.kind], english=english))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# ---- trust anchors ------------------------------------------------------------------------------
def trust_roots_from_files(paths: Sequence[Path]) -> list[x509.Certificate]:
    """Certificates from PEM/DER files, or from every *.pem/*.crt/*.cer/*.der of a directory."""
    roots: list[x509.Certificate] = []
    for path in paths:
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in
                       {".pem", ".crt", ".cer", ".der"}) if path.is_dir() else [path]
        if path.is_dir() and not files:
            raise InvalidInputError(say(
                f"--trust: {path} không có tệp .pem/.crt/.cer/.der nào",
                f"--trust: {path} holds no .pem/.crt/.cer/.der file"))
        for file in files:
            try:
                roots.extend(load_certificates(file.read_bytes()))
            except OSError as error:
                reason = error.strerror or error
                raise InvalidInputError(say(f"--trust: không đọc được {file} ({reason})",
                                            f"--trust: cannot read {file} ({reason})")) from None
            except ValueError:
                raise InvalidInputError(say(
                    f"--trust: {file} không phải chứng thư chữ ký số PEM hay DER",
                    f"--trust: {file} is not a PEM or DER certificate")) from None
    return roots


def trust_roots_of_testbed(directory: Path) -> list[x509.Certificate]:
    """The testbed's root certificates: trust/<root>.pem of the authorities without a parent."""
    from testbed import Testbed

    testbed = Testbed.open(directory)
    state = testbed.state
    return [certificate for label, path in testbed.trust_anchor_paths().items()
            if state.authorities[label].parent is None
            for certificate in load_certificates(path.read_bytes())]


# ---- the command --------------------------------------------------------------------------------
def _verification(arguments: argparse.Namespace, roots: list[x509.Certificate],
                  at: datetime | None, variant: Callable[..., VerifierAnswer] | None
                  ) -> Verification:
    """The reference verifier's (or the variant's) verification of the file, in its format."""
    offline = getattr(arguments, "offline", False)
    signature_format = _format_of(arguments)
    if signature_format != "pades":
        from conformance.reference.format_verifying import verify_in_format

        if variant is not None:
            raise InvalidInputError(say(
                f"--defect: biến thể có lỗi của lệnh này chỉ kiểm tra PDF, không "
                f"{signature_format}", f"--defect: this command's defective variants check "
                f"PDFs only, not {signature_format}"))
        return verify_in_format(Path(arguments.file), signature_format,
                                getattr(arguments, "content", None), roots, at=at,
                                offline=offline)
    options = OracleOptions(fetch_revocation_online=False) if offline else None
    verification = verify_in_detail(arguments.file, roots, at=at, options=options)
    if variant is not None and not verification.input_error:
        verification = Verification(variant(arguments.file, roots, at), None)
    return verification


def _format_of(arguments: argparse.Namespace) -> Any:
    """The format ``kyso verify`` checks (:mod:`.format_choice`): ``--format``, else the
    file's own; ``--content`` only with a detached signature."""
    from conformance.reference.format_choice import verification_format

    chosen = verification_format(Path(arguments.file), getattr(arguments, "format", None))
    if getattr(arguments, "content", None) is not None and chosen in ("pades", "xmldsig"):
        raise InvalidInputError(say(
            f"--content: {arguments.file} là chữ ký {chosen} nằm trong tài liệu, không tách rời",
            f"--content: {arguments.file} is a {chosen} signature inside its document, not a "
            "detached one"))
    return chosen


DEFAULT_TESTBEDS = (Path("out/testbed"), Path("out/demo/lab"))
"""Where ``kyso verify`` looks for trust anchors without --trust, --testbed or $KYSO_TESTBED:
the testbed of ``kyso up``, else the demo's lab, whose certificate signs the demo's reports (so
``kyso verify out/demo/reference/report-signed.pdf`` needs nothing else, and no testbed
running: the report carries its validation data)."""


def _default_testbed() -> Path:
    if "KYSO_TESTBED" in os.environ:
        candidates: tuple[Path, ...] = (Path(os.environ["KYSO_TESTBED"]),)
    else:
        candidates = DEFAULT_TESTBEDS
    from testbed import registry_exists

    for directory in candidates:
        if registry_exists(directory):
            return directory
    raise InvalidInputError(say(
        "không có gốc tin cậy: hãy cho --trust ROOT.pem (hoặc một thư mục) hoặc --testbed DIR",
        "no trust anchors: give --trust ROOT.pem (or a directory) or --testbed DIR"))


def run_verify(arguments: argparse.Namespace, *,
               variant: Callable[[Path, list[x509.Certificate], datetime | None],
                                 VerifierAnswer] | None = None) -> int:
    """``kyso verify``: print the result, return the exit code (see the module docstring).

    ``variant`` answers instead of the reference verifier (``--defect``: the defective
    variants live in :mod:`conformance.reference.defects`, which this module does not import).
    """
    from testbed import parse_instant

    # pyHanko logs every failed path with a traceback (WARNING, exc_info); the answer already
    # says why, and a person must never see a traceback. A handler here keeps Python's
    # last-resort stderr handler quiet unless the caller configured logging itself.
    for name in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).addHandler(logging.NullHandler())

    at = parse_instant(arguments.at, field="--at") if arguments.at else None
    testbed_directory: Path | None = arguments.testbed
    if not arguments.trust and testbed_directory is None:
        testbed_directory = _default_testbed()
    roots = trust_roots_from_files(arguments.trust)
    if testbed_directory is not None:
        roots += trust_roots_of_testbed(testbed_directory)
        if at is None:
            from testbed import Testbed

            at = Testbed.open(testbed_directory).now()
    verification = _verification(arguments, roots, at, variant)
    answer = verification.answer
    if arguments.json:
        print(answer.model_dump_json(indent=2))
    elif verification.input_error:
        print(f"kyso: {answer.error}", file=sys.stderr)
    else:
        print(answer.display, end="")
    if verification.input_error:
        return ExitCode.INPUT
    valid = bool(answer.signatures) and all(
        signature.indication is Indication.TOTAL_PASSED for signature in answer.signatures)
    return ExitCode.VALID if valid else ExitCode.NOT_VALID


__all__ = [
    "Verification", "render_text", "run_verify",
    "trust_roots_from_files", "trust_roots_of_testbed", "verify", "verify_in_detail",
]
