"""One call of a SUT process: its directories, sandboxed run, evidence and answer.

Shared by the process kinds (``cli``, ``batch``; ``python`` for its call slot and answer
checks); what every kind, service ones included, prepares for a case is in
:mod:`conformance.sut.case_setup`. Every call gets, inside the case's directory
(``request.workdir``, or a fresh temporary one), a new working directory ``sut/`` (``sut-2/``...
when the same case calls again) that becomes the SUT's cwd, HOME and TMPDIR, and leaves three
evidence files beside it: ``command.json`` (the command line, exit status, durations: PINs
travel as a file path), ``stdout.txt`` and ``stderr.txt`` (as kept by the sandbox: the head of
stdout, the tail of stderr). The case's PINs are redacted (``***``) from the sandbox's result
itself, before any of it is written or read: a SUT that prints its PIN leaves it in no evidence
file, answer, reason or index (:func:`run_call`); ``command.json`` says ``"pin_printed": true``
and the runner makes it a finding of the case.

Failures become exceptions the player can judge (:class:`~conformance.sut.contract.SutNoAnswer`
for ERROR, :class:`~conformance.sut.contract.SutUnsupported` for SKIPPED); nothing else escapes.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import string
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bilingual import say
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.placeholders import TRUST_FORM_PLACEHOLDERS, Placeholder, template_fields
from conformance.sut.process.sandbox import (
    SandboxGrants,
    SandboxLimits,
    SandboxResult,
    run_sandboxed,
)
from conformance.sut.profile import SutProfile
from conformance.sut.redaction import redact, redact_files
from scenarios import SignRequest, VerifyRequest
from testbed import TokenAccess, TrustStores, trust_stores_for

AnswerT = TypeVar("AnswerT", bound=BaseModel)


def call_slot(root: Path) -> tuple[Path, str]:
    """A not-yet-existing SUT working directory in ``root`` and the evidence files' suffix."""
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        if not (root / f"sut{suffix}").exists() and not (root / f"command{suffix}.json").exists():
            return root / f"sut{suffix}", suffix
        number += 1


def trust_directory(root: Path, suffix: str, trust_files: Sequence[Path]) -> Path:
    """A directory holding only the trust anchors (copies, one file each)."""
    directory = root / f"trust{suffix}"
    directory.mkdir(mode=0o700, exist_ok=True)
    for index, path in enumerate(trust_files):
        name = Path(path).name if Path(path).suffix else f"anchor-{index}.pem"
        shutil.copyfile(path, directory / name)
    return directory


_TRUST_FORMS: dict[Placeholder, Callable[[TrustStores], Path | str]] = {
    Placeholder.TRUST_PEM_BUNDLE: TrustStores.pem_bundle,
    Placeholder.TRUST_CAPATH: TrustStores.capath,
    Placeholder.TRUST_DER_DIR: TrustStores.der_dir,
    Placeholder.TRUST_NSS_DB: TrustStores.nss_db,
    Placeholder.TRUST_P12: TrustStores.pkcs12,
    Placeholder.TRUST_P12_PASSWORD_FILE: TrustStores.pkcs12_password_file,
    Placeholder.TRUST_P12_PASSWORD: TrustStores.pkcs12_password,
    Placeholder.TRUST_P7B: TrustStores.p7b,
    Placeholder.TRUST_CER_DIR: TrustStores.windows_dir,
}


def trust_form_values(template: Sequence[str], trust_files: Sequence[Path]) -> dict[str, str]:
    """The values of the trust-form placeholders ``template`` names (``{trust_nss_db}``...),
    each form built only when named, once per set of anchors (and checked unchanged before
    each case: a SUT that altered its copy gets a fresh one)."""
    named = {Placeholder(name) for argument in template for name in template_fields(argument)
             if name in TRUST_FORM_PLACEHOLDERS}
    if not named:
        return {}
    stores = trust_stores_for([Path(path) for path in trust_files])
    return {placeholder.value: str(_TRUST_FORMS[placeholder](stores)) for placeholder in named}


def expand(template: Sequence[str], values: Mapping[str, str | list[str]]) -> list[str]:
    """Fill a command template: ``{name}`` → value; an argument holding ``{trust_files}`` is
    repeated once per trust file (so ``--trust={trust_files}`` gives one option per file)."""
    arguments: list[str] = []
    for argument in template:
        parts = list(string.Formatter().parse(argument))
        repeated = values.get(Placeholder.TRUST_FILES.value, [])
        if any(name == Placeholder.TRUST_FILES for _, name, _, _ in parts):
            for file in repeated:
                arguments.append("".join(literal + (file if name else "")
                                         for literal, name, _, _ in parts))
            continue
        text = ""
        for literal, name, _, _ in parts:
            text += literal
            if name is not None:
                value = values.get(name, "")
                text += value if isinstance(value, str) else " ".join(value)
        arguments.append(text)
    return arguments


def common_values(profile: SutProfile, workdir: Path) -> dict[str, str | list[str]]:
    return {Placeholder.PYTHON.value: sys.executable,
            Placeholder.PROFILE_DIR.value: str(profile.directory),
            Placeholder.WORKDIR.value: str(workdir)}


def run_call(command: Sequence[str], *, root: Path, workdir: Path, suffix: str,
             env: Mapping[str, str], timeout_seconds: float, stdin: bytes | None = None,
             allowed_output_dirs: Sequence[Path] = (), secrets: Sequence[str] = (),
             grants: SandboxGrants | None = None) -> tuple[SandboxResult, dict[str, Any]]:
    """Run one SUT process through the sandbox and write the evidence files; never raises for
    the SUT's behaviour. Returns the sandbox result and the facts (SutNoAnswer's ``facts``).
    ``grants``: what the case hands the SUT (read-only, writable) when it runs isolated."""
    limits = SandboxLimits(timeout_seconds=timeout_seconds)
    printed = run_sandboxed(command, workdir=workdir, env=env, stdin=stdin, limits=limits,
                            allowed_output_dirs=allowed_output_dirs, grants=grants)
    result = redacted_result(printed, secrets)
    written = redact_files(workdir, list(secrets))
    stdout_file, stderr_file = root / f"stdout{suffix}.txt", root / f"stderr{suffix}.txt"
    command_file = root / f"command{suffix}.json"
    stdout_file.write_bytes(result.stdout)
    stderr_file.write_bytes(result.stderr)
    evidence: dict[str, Any] = {
        "command": list(result.command),
        "workdir": str(result.workdir),
        "exit_code": result.exit_code,
        "signal": result.signal,
        "timed_out": result.timed_out,
        "flooded": result.flooded,
        "timeout_seconds": timeout_seconds,
        "duration_seconds": round(result.duration_seconds, 3),
        "command_file": str(command_file),
        "stdout_file": str(stdout_file),
        "stderr_file": str(stderr_file),
        "stdout_bytes": result.stdout_total_bytes,
        "stderr_bytes": result.stderr_total_bytes,
        "stdout_first_bytes": result.first_bytes(),
        "stderr_tail": result.stderr_tail(500),
        "leftover_processes": [f"{p.name}[{p.pid}]" for p in result.leftover_processes],
        "stdin_bytes": len(stdin or b""),
        "outcome": result.describe(),
        "isolation": result.isolation,
        "access": result.access.as_json(),
        "pin_printed": result.stdout + result.stderr != printed.stdout + printed.stderr,
        "pin_written": written,
    }
    command_file.write_text(
        json.dumps(evidence, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return result, evidence


def path_grants(values: Mapping[str, str | list[str]], *, skip: Sequence[str] = ()
                ) -> list[Path]:
    """Every absolute path among a command's placeholder values that exists (the input, trust
    anchors and forms, the token's access file, the PIN file, the profile's folder...): what
    the case hands the SUT, read-only. ``skip``: placeholders granted otherwise."""
    found = []
    for name, value in values.items():
        if name in skip:
            continue
        for item in [value] if isinstance(value, str) else value:
            if item.startswith("/") and Path(item).exists():
                found.append(Path(item))
    return found


def request_paths(request: SignRequest | VerifyRequest) -> list[Path]:
    """The files a request hands the SUT to read: its input and trust anchors, and for a
    signer the token's access file and the PIN file, for a detached signature its content."""
    paths = [Path(request.input), *(Path(path) for path in request.trust_roots)]
    if isinstance(request, SignRequest):
        paths += [Path(request.token_access), Path(request.pin_file)]
    elif request.content is not None:
        paths.append(Path(request.content))
    return [path for path in paths if path.exists()]


def token_grants(original: TokenAccess, given: TokenAccess) -> SandboxGrants:
    """What the SUT needs of its token and nothing of the others (:meth:`TokenAccess.sandbox_paths`
    of the testbed's own access), plus what a tracing module in between (pkcs11-spy) adds to
    the environment it is given: its module read-only, its output writable."""
    read_only, writable = original.sandbox_paths()
    added = [Path(value) for name, value in given.env.items()
             if original.env.get(name) != value and value.startswith("/") and Path(value).exists()]
    # a FIFO or folder to write its trace into; any file it names (the module it forwards to)
    # only to read
    return SandboxGrants(
        read_only=(*read_only, Path(given.module), *(p for p in added if p.is_file())),
        writable=(*writable, *(p for p in added if not p.is_file())))


def redacted_result(result: SandboxResult, secrets: Sequence[str]) -> SandboxResult:
    """``result`` with every secret (the case's PINs) replaced by ``***`` in what the SUT
    printed (stdout, stderr: bytes kept exact around it), its command line and start error.

    The one redaction point of the process kinds: the evidence files, the answer parsed from
    stdout (its ``display`` and ``reason``), ``stderr_tail`` and every reason all read this."""
    secrets = [secret for secret in secrets if secret]
    if not secrets:
        return result

    def printed(data: bytes) -> bytes:
        text = data.decode("utf-8", "surrogateescape")
        return str(redact(text, secrets)).encode("utf-8", "surrogateescape")

    return dataclasses.replace(
        result, stdout=printed(result.stdout), stderr=printed(result.stderr),
        command=tuple(redact(list(result.command), secrets)),
        start_error=redact(result.start_error, secrets))


def process_problem(result: SandboxResult, evidence: dict[str, Any],
                    unsupported_exit_code: int, *, accepted_exit_codes: Sequence[int] = (0,)
                    ) -> None:
    """Raise the right exception if the process itself gave no answer (before reading stdout)."""
    reason = result.describe()
    if result.start_error is not None:
        raise SutNoAnswer(reason, facts=evidence, kind="start-error")
    if result.supervisor_lost:
        raise SutNoAnswer(reason, facts=evidence, kind="crash")
    if result.timed_out:
        raise SutNoAnswer(reason, facts=evidence, kind="timeout")
    if result.flooded:
        raise SutNoAnswer(reason, facts=evidence, kind="flood")
    if result.signal is not None:
        raise SutNoAnswer(reason, facts=evidence, kind="crash")
    if result.exit_code == unsupported_exit_code:
        tail = result.stderr_tail(300).strip()
        raise SutUnsupported(say(
            f"phần mềm được kiểm thử khai báo không hỗ trợ điểm kiểm tra này (mã thoát "
            f"{unsupported_exit_code})",
            f"the SUT declared this case unsupported (exit code {unsupported_exit_code})")
            + (f": {tail}" if tail else ""), facts=evidence)
    if result.exit_code not in accepted_exit_codes:
        raise SutNoAnswer(reason, facts=evidence, kind="exit-code")


def json_object(result: SandboxResult, evidence: dict[str, Any]) -> dict[str, Any]:
    """stdout as one JSON object, or :class:`SutNoAnswer` showing the first bytes."""
    problem = result.stdout_json_problem_texts()
    if problem is not None:
        kind = "no-answer" if not result.stdout.strip() else "invalid-answer"
        raise SutNoAnswer(say(f"mã thoát {result.exit_code}, {problem[0]}",
                              f"exit code {result.exit_code}, {problem[1]}"),
                          facts=evidence, kind=kind)
    value: dict[str, Any] = json.loads(result.stdout.decode("utf-8"))
    return value


def validated(model: type[AnswerT], data: Any, evidence: dict[str, Any], where: str) -> AnswerT:
    """``data`` as a contract-v1 ``model``, or :class:`SutNoAnswer` naming the bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        detail = error.errors()[0]
        field = ".".join(str(part) for part in detail["loc"]) or "(object)"
        shown = json.dumps(data, ensure_ascii=False)[:200]
        raise SutNoAnswer(say(
            f"{where} không phải {model.__name__} hợp lệ theo contract-v1: {field}: "
            f"{detail['msg']}; nhận được {shown}",
            f"{where} is not a valid contract-v1 {model.__name__}: {field}: {detail['msg']}; "
            f"got {shown}"), facts=evidence, kind="invalid-answer") from None
