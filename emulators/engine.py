"""The signing and verifying engine behind every emulated service: kyso's reference tools, run in
a subprocess per operation, and the mapping of their answers to the services' result codes.

Why a subprocess: SoftHSM reads ``SOFTHSM2_CONF`` once per process, and one emulated service
serves many testbeds (each with its own configuration, named in the token access file). So each
operation runs ``reference_sut.py sign|verify ... [--defect NAME]`` (adapter contract v1, the
same program the ``cli`` example profile drives) in its own directory under the service's
working directory. The PIN the service received goes to a 0600 file there for the subprocess
and is deleted as soon as it exits; it is never logged nor put in an answer.

Result codes shared by the families (the Vietnamese message is the reference answer's, verbatim):
0 signed / verification done; 1 refused (certificate check failed); 2 wrong PIN; 3 token locked;
4 token absent or lost; 64 unsupported; 9 internal error (and bad requests).

What stays after an operation: the evidence the reference tools stored (certificate, CRL, status
check, TT15 Art. 5 khoản 4 / Art. 6 khoản 2) under ``<workdir>/<operation>/evidence``, named by
absolute path in the reply, until the service stops; the documents themselves are deleted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import sys
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web
from pydantic import ValidationError

from conformance import REFERENCE_SUT_PROGRAM
from emulators.fields import LEVELS, TestbedFields
from scenarios import Indication, SignerAnswer, SignerOutcome, VerifierAnswer
from testbed import write_pin_file

REFERENCE_SUT = REFERENCE_SUT_PROGRAM
"""The reference tools behind the adapter contract v1 (an example SUT program of the suite)."""
OPERATION_TIMEOUT_SECONDS = 300.0
"""A reference operation that takes longer is killed (code 9): it is hung, not slow."""
EXIT_UNSUPPORTED = 64


class ResultCode(IntEnum):
    """The emulated services' result codes."""

    OK = 0
    REFUSED = 1
    WRONG_PIN = 2
    LOCKED = 3
    ABSENT = 4
    INTERNAL = 9
    UNSUPPORTED = 64


_REFUSAL_CODES = (
    # the reference signer's English half of each token message (conformance.reference.signer)
    ("Wrong PIN for the signing token", ResultCode.WRONG_PIN),
    ("is locked after too many wrong PINs", ResultCode.LOCKED),
    ("is not present", ResultCode.ABSENT),
    ("has been reported lost", ResultCode.ABSENT),
)


def refusal_code(reason: str | None) -> ResultCode:
    """2/3/4 when the reference refusal ``reason`` is about the PIN or the token, else 1."""
    for words, code in _REFUSAL_CODES:
        if words in (reason or ""):
            return code
    return ResultCode.REFUSED


def coded_reply(code: int, message: str, data: Any = None, *,
                status: int = 200) -> web.Response:
    """The HTTP families' reply: ``{"code": ..., "message": "<Vietnamese>", "data": ...}``."""
    return web.json_response({"code": int(code), "message": message, "data": data},
                             status=status, dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


VERIFY_RESULTS = {Indication.TOTAL_PASSED: 0, Indication.TOTAL_FAILED: 1,
                  Indication.INDETERMINATE: 2}
"""A1's per-signature ``result``: 0 valid, 1 invalid, 2 undetermined."""


@dataclass(frozen=True)
class SignOutcome:
    """What a signing operation gave, before a family shapes it into its reply."""

    code: int
    message: str
    signed_pdf: bytes | None = None
    warnings: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, Any] | None:
        """A1's ``data`` (null on refusal)."""
        if self.code != ResultCode.OK:
            return None
        return {"signedData": base64.b64encode(self.signed_pdf).decode("ascii")
                if self.signed_pdf is not None else None,
                "warnings": self.warnings, "evidence": self.evidence}


@dataclass(frozen=True)
class VerifyOutcome:
    """What a verification gave, before a family shapes it into its reply."""

    code: int
    message: str
    display: str | None = None
    signatures: list[dict[str, Any]] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def data(self) -> dict[str, Any] | None:
        """A1's ``data`` (null when the verification could not run)."""
        if self.code != ResultCode.OK:
            return None
        return {"display": self.display, "evidence": self.evidence,
                "signatures": self.signatures, "error": self.error}


def signatures_json(answer: VerifierAnswer) -> list[dict[str, Any]]:
    """A1's ``signatures``, from the reference verifier's answer (the display dict verbatim)."""
    return [{"fieldName": signature.field_name,
             "result": VERIFY_RESULTS[signature.indication],
             "subIndication": signature.sub_indication.value if signature.sub_indication
             else None,
             "message": signature.display.get("result", ""),
             "fields": dict(signature.display),
             "warnings": list(signature.warnings)} for signature in answer.signatures]


def verification_message(answer: VerifierAnswer) -> str:
    """The reply's one-line message: the first line of the reference display."""
    if answer.error:
        return f"Không kiểm tra được tài liệu: {answer.error}"
    lines = (answer.display or "").splitlines()
    summary = [line for line in lines if line.startswith("Chữ ký ")]
    return "; ".join(summary) if summary else (lines[0] if lines else "Đã kiểm tra")


@dataclass
class _Run:
    exit_code: int
    stdout: bytes
    stderr: bytes

    def stderr_tail(self) -> str:
        lines = self.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1][:300] if lines else f"exit code {self.exit_code}"


class ReferenceEngine:
    """Signs and verifies through ``reference_sut.py`` (with ``defect`` when given)."""

    def __init__(self, workdir: Path, defect: str | None = None) -> None:
        self.workdir = workdir
        self.defect = defect
        self._numbers = itertools.count(1)

    def operation_directory(self, kind: str) -> Path:
        """A new private directory for one operation (its evidence stays there)."""
        directory = self.workdir / f"{next(self._numbers):05d}-{kind}"
        directory.mkdir(mode=0o700, parents=True)
        return directory

    async def _run(self, arguments: list[str], directory: Path) -> _Run:
        command = [sys.executable, str(REFERENCE_SUT), *arguments]
        if self.defect:
            command += ["--defect", self.defect]
        process = await asyncio.create_subprocess_exec(
            *command, cwd=directory, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(),
                                                    OPERATION_TIMEOUT_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        return _Run(process.returncode or 0, stdout, stderr)

    async def sign(self, pdf: bytes, pin: str, fields: TestbedFields) -> SignOutcome:
        """Sign ``pdf`` on the request's token with ``pin``."""
        if fields.level not in LEVELS:
            return SignOutcome(ResultCode.UNSUPPORTED,
                               f"Không hỗ trợ mức chữ ký '{fields.level}' (hỗ trợ: "
                               f"{', '.join(LEVELS)})")
        access = fields.access()
        directory = self.operation_directory("sign")
        source, output = directory / "input.pdf", directory / "output.pdf"
        source.write_bytes(pdf)
        pin_file = write_pin_file(directory / "pin", pin)
        arguments = ["sign", "--input", str(source), "--output", str(output),
                     "--token-access", str(fields.token_access), "--pin-file", str(pin_file),
                     *[f"--trust={path.resolve()}" for path in fields.trust_files],
                     "--moment", fields.moment.isoformat(), "--level", fields.level]
        if fields.tsa_url:
            arguments += ["--tsa-url", fields.tsa_url]
        if fields.field_name:
            arguments += ["--field-name", fields.field_name]
        if fields.visible:
            arguments.append("--visible")
        try:
            try:
                run = await self._run(arguments, directory)
            finally:
                pin_file.unlink(missing_ok=True)
            return self._sign_outcome(run, output, access.token_label)
        except TimeoutError:
            return SignOutcome(ResultCode.INTERNAL, "Lỗi nội bộ: quá thời gian ký")
        finally:
            source.unlink(missing_ok=True)
            output.unlink(missing_ok=True)

    def _sign_outcome(self, run: _Run, output: Path, label: str) -> SignOutcome:
        answer = _answer(run, SignerAnswer)
        if isinstance(answer, tuple):
            return SignOutcome(*answer)
        if answer.outcome is SignerOutcome.REFUSED:
            return SignOutcome(refusal_code(answer.reason), answer.display or answer.reason or
                               f"Chưa ký ({label})")
        signed = output.read_bytes() if output.is_file() else None
        return SignOutcome(ResultCode.OK, answer.display or "Đã ký", signed_pdf=signed,
                           warnings=list(answer.warnings), evidence=dict(answer.evidence))

    async def verify(self, pdf: bytes, fields: TestbedFields) -> VerifyOutcome:
        """Verify every signature of ``pdf`` at the request's moment."""
        directory = self.operation_directory("verify")
        source = directory / "input.pdf"
        source.write_bytes(pdf)
        arguments = ["verify", "--input", str(source),
                     *[f"--trust={path.resolve()}" for path in fields.trust_files],
                     "--moment", fields.moment.isoformat()]
        try:
            run = await self._run(arguments, directory)
        except TimeoutError:
            return VerifyOutcome(ResultCode.INTERNAL, "Lỗi nội bộ: quá thời gian kiểm tra")
        finally:
            source.unlink(missing_ok=True)
        answer = _answer(run, VerifierAnswer)
        if isinstance(answer, tuple):
            return VerifyOutcome(*answer)
        return VerifyOutcome(ResultCode.OK, verification_message(answer), display=answer.display,
                             signatures=signatures_json(answer), evidence=dict(answer.evidence),
                             error=answer.error)

    def close(self) -> None:
        """Forget every operation directory (evidence included)."""
        shutil.rmtree(self.workdir, ignore_errors=True)


AnswerT = TypeVar("AnswerT", SignerAnswer, VerifierAnswer)


def _answer(run: _Run, model: type[AnswerT]) -> AnswerT | tuple[int, str]:
    """The reference tool's contract-v1 answer, or the (code, message) the service replies
    with when the tool failed or printed something else."""
    if run.exit_code == EXIT_UNSUPPORTED:
        return ResultCode.UNSUPPORTED, f"Không hỗ trợ: {run.stderr_tail()}"
    if run.exit_code != 0:
        return ResultCode.INTERNAL, f"Lỗi nội bộ: {run.stderr_tail()}"
    try:
        return model.model_validate_json(run.stdout)
    except ValidationError as error:
        return ResultCode.INTERNAL, f"Lỗi nội bộ: {error.errors()[0]['msg']}"


__all__ = ["REFERENCE_SUT", "ReferenceEngine", "ResultCode", "SignOutcome", "VerifyOutcome",
           "coded_reply", "refusal_code", "signatures_json"]
