"""The ``cli`` adapter: one sandboxed process per case, started from the profile's templates.

The verdict is read from one contract-v1 JSON object on stdout (``answer = "json"``), or, for
tools that cannot print JSON (``answer = "exit-code"``), from the exit code and regular
expressions on stdout declared in the profile:

* signer: an exit code in ``exit_codes.refused`` or ``patterns.refused`` matching stdout/stderr
  is a refusal (its reason: the last line the tool printed); an exit code in
  ``exit_codes.signed`` (default 0) with a non-empty output file (and ``patterns.signed``
  matching, if given) is a signature; anything else is ERROR;
* verifier: every stdout line matching an indication pattern is one signature (a named group
  ``field`` gives its field name); with no such line, an exit code listed under an indication
  gives one signature with it; otherwise ERROR. ``display`` is the whole stdout.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bilingual import say
from conformance.sut.case_setup import (
    case_root,
    case_secrets,
    declared_unsupported,
    sut_environment,
    token_access_of,
)
from conformance.sut.contract import SutNoAnswer, iso
from conformance.sut.placeholders import Placeholder, template_fields
from conformance.sut.process.calls import (
    call_slot,
    common_values,
    expand,
    json_object,
    path_grants,
    process_problem,
    run_call,
    token_grants,
    trust_directory,
    trust_form_values,
    validated,
)
from conformance.sut.process.sandbox import SandboxGrants, SandboxResult
from conformance.sut.profile import CliAdapter, SutProfile
from conformance.sut.traced_token import TracedToken
from scenarios import (
    Indication,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    SignRequest,
    VerifierAnswer,
    VerifyRequest,
)

_NOT_READ_ONLY = (Placeholder.OUTPUT.value, Placeholder.WORKDIR.value)
"""Placeholders granted writable (the output's folder, the working directory), not read-only."""


class CliSut:
    """A SUT driven through command templates; implements both Signer and Verifier."""

    def __init__(self, profile: SutProfile) -> None:
        if profile.adapter.cli is None:
            raise ValueError(say("CliSut cần hồ sơ có adapter.kind = 'cli'",
                                 "CliSut needs a profile with adapter.kind = 'cli'"))
        self.profile = profile
        self.settings: CliAdapter = profile.adapter.cli
        self.name = f"{profile.sut.name} {profile.sut.version} (cli)"

    # ---- signer ---------------------------------------------------------------------------
    def sign(self, request: SignRequest) -> SignerAnswer:
        """Run the sign template for ``request``; raises SutNoAnswer / SutUnsupported."""
        declared_unsupported(self.profile, request)
        assert self.settings.sign is not None
        access = token_access_of(request)
        root = case_root(request.workdir)
        workdir, suffix = call_slot(root)
        values = self._values(root, workdir, suffix, request.input, request.trust_roots,
                              iso(request.moment), self.settings.sign)
        secrets = case_secrets(request.pin_file)
        with TracedToken(access, Path(request.token_access), root, suffix, secrets) as token:
            values.update({
                Placeholder.OUTPUT.value: str(Path(request.output).resolve()),
                Placeholder.TOKEN_ACCESS.value: str(token.access_path.resolve()),
                Placeholder.PIN_FILE.value: str(Path(request.pin_file).resolve()),
                Placeholder.TOKEN_LABEL.value: request.token_label,
                Placeholder.KEY_LABEL.value: access.key_label,
                Placeholder.CERTIFICATE_LABEL.value: access.certificate_label,
                Placeholder.MODULE.value: token.access.module,
                Placeholder.TSA_URL.value: request.tsa_url or "",
                Placeholder.LEVEL.value: request.level,
                Placeholder.FIELD_NAME.value: request.field_name or "",
                Placeholder.VISIBLE.value: "true" if request.visible else "false",
                Placeholder.FORMAT.value: request.format.value,
            })
            grants = token_grants(access, token.access).plus(SandboxGrants(
                read_only=tuple(path_grants(values, skip=_NOT_READ_ONLY))))
            result, evidence = run_call(
                expand(self.settings.sign, values), root=root, workdir=workdir, suffix=suffix,
                env=sut_environment(self.profile, workdir, token.access.env,
                                    at=request.moment),
                timeout_seconds=self.settings.timeout_seconds,
                allowed_output_dirs=[Path(request.output).resolve().parent],
                secrets=secrets, grants=grants)
        if self.settings.answer == "json":
            process_problem(result, evidence, self.settings.unsupported_exit_code)
            return validated(SignerAnswer, json_object(result, evidence), evidence, "stdout")
        return self._signer_by_exit_code(result, evidence, Path(request.output))

    def _signer_by_exit_code(self, result: SandboxResult, evidence: dict[str, Any],
                             output: Path) -> SignerAnswer:
        codes, patterns = self.settings.exit_codes, self.settings.patterns
        process_problem(result, evidence, self.settings.unsupported_exit_code,
                        accepted_exit_codes=[*codes.signed, *codes.refused])
        stdout, stderr = _text(result.stdout), _text(result.stderr)
        refused_text = patterns.refused is not None and any(
            _search(patterns.refused, text) for text in (stdout, stderr))
        if result.exit_code in codes.refused or refused_text:
            reason = _last_line(stdout) or _last_line(stderr) or say(
                f"mã thoát {result.exit_code}", f"exit code {result.exit_code}")
            return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=reason,
                                display=stdout or stderr or None)
        produced = output.exists() and output.stat().st_size > 0
        if not produced:
            raise SutNoAnswer(say(
                f"mã thoát {result.exit_code} nhưng không có tệp đầu ra {output} và không khai "
                f"báo từ chối; {result.first_bytes()}",
                f"exit code {result.exit_code} but no output file {output} and no refusal "
                f"declared; {result.first_bytes()}"), facts=evidence, kind="no-answer")
        if patterns.signed is not None and not _search(patterns.signed, stdout):
            raise SutNoAnswer(say(
                f"mã thoát {result.exit_code}: stdout không khớp patterns.signed; "
                f"{result.first_bytes()}",
                f"exit code {result.exit_code}: stdout does not match patterns.signed; "
                f"{result.first_bytes()}"), facts=evidence, kind="invalid-answer")
        return SignerAnswer(outcome=SignerOutcome.SIGNED, output=str(output),
                            display=stdout or None)

    # ---- verifier -------------------------------------------------------------------------
    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        """Run the verify template for ``request``; raises SutNoAnswer / SutUnsupported."""
        declared_unsupported(self.profile, request)
        assert self.settings.verify is not None
        root = case_root(request.workdir)
        workdir, suffix = call_slot(root)
        values = self._values(root, workdir, suffix, request.input, request.trust_roots,
                              iso(request.moment), self.settings.verify)
        values.update({
            Placeholder.FORMAT.value: request.format.value,
            Placeholder.CONTENT.value: "" if request.content is None
            else str(Path(request.content).resolve()),
        })
        result, evidence = run_call(
            expand(self.settings.verify, values), root=root, workdir=workdir, suffix=suffix,
            env=sut_environment(self.profile, workdir, at=request.moment),
            timeout_seconds=self.settings.timeout_seconds,
            grants=SandboxGrants(read_only=tuple(path_grants(values,
                                                             skip=_NOT_READ_ONLY))))
        if self.settings.answer == "json":
            process_problem(result, evidence, self.settings.unsupported_exit_code)
            return validated(VerifierAnswer, json_object(result, evidence), evidence, "stdout")
        return self._verifier_by_exit_code(result, evidence)

    def _verifier_by_exit_code(self, result: SandboxResult,
                               evidence: dict[str, Any]) -> VerifierAnswer:
        codes, patterns = self.settings.exit_codes, self.settings.patterns
        # Any exit code may come with readable lines (pyHanko exits 1 when one is invalid).
        process_problem(result, evidence, self.settings.unsupported_exit_code,
                        accepted_exit_codes=[] if result.exit_code is None
                        else [result.exit_code])
        stdout = _text(result.stdout)
        signatures = []
        for line in stdout.splitlines():
            for indication, pattern in patterns.indications():
                match = pattern.search(line)
                if match:
                    field = match.groupdict().get("field")
                    signatures.append(SignatureAnswer(
                        field_name=field, indication=Indication(indication),
                        display={"result": line.strip()}))
                    break
        if not signatures and result.exit_code is not None:
            indication = codes.indication_of(result.exit_code)
            if indication is not None:
                signatures.append(SignatureAnswer(indication=Indication(indication),
                                                  display={"result": stdout.strip()}))
        if not signatures:
            raise SutNoAnswer(say(
                f"mã thoát {result.exit_code}: không mẫu kết quả (indication) nào khớp stdout và "
                f"mã thoát không được khai báo; {result.first_bytes()}",
                f"exit code {result.exit_code}: no indication pattern matched stdout and the "
                f"exit code is not declared; {result.first_bytes()}"), facts=evidence,
                kind="invalid-answer")
        return VerifierAnswer(signatures=signatures, display=stdout or None)

    # ---- shared ---------------------------------------------------------------------------
    def _values(self, root: Path, workdir: Path, suffix: str, document: Path,
                trust_roots: list[Path], moment: str, template: list[str]
                ) -> dict[str, str | list[str]]:
        values = common_values(self.profile, workdir)
        values.update({
            Placeholder.INPUT.value: str(Path(document).resolve()),
            Placeholder.TRUST_FILES.value: [str(Path(p).resolve()) for p in trust_roots],
            Placeholder.MOMENT.value: moment,
        })
        if any(Placeholder.TRUST_DIR.value in template_fields(argument)
               for argument in template):
            values[Placeholder.TRUST_DIR.value] = str(trust_directory(root, suffix,
                                                                      trust_roots))
        values.update(trust_form_values(template, trust_roots))
        return values


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _search(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.MULTILINE) is not None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
