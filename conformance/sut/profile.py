"""The SUT profile (``sut.toml``): what the software claims, and how kyso must drive it.

A tester describes a vendor's software once: who made it (``[sut]``), which roles it plays
(``roles``), what it declares it supports (``[capabilities]``, the implementation conformance
statement: a case that needs a capability declared unsupported is not run, SKIPPED with that
reason, unless the requirement behind it is mandatory, which makes it FAIL), and how it is started
(``[adapter]``: ``cli``, ``batch``, ``python`` or ``manual``, each with its own table, or one of
the service kinds ``http``, ``ws-oneshot``, ``ws-session``, ``remote-hash``, which share
``[adapter.service]`` and need ``[interaction]``: see :mod:`.service_profile`), and how it
learns the time (``adapter.clock``: ``argument``, ``system`` or ``faketime``).
This module knows every kind's table, but no kind's code: what a kind checks across tables is
looked up by kind in :mod:`.kinds` (the service kinds' checks are imported only for a service
profile).

The field descriptions below are the vendor documentation (``conformance/sut/CONTRACT.md`` shows
one example per adapter kind). A bad profile is refused before any case runs, with one line
``FILE: FIELD: PROBLEM`` (:class:`ProfileError`): unknown keys, unknown placeholders in command
templates, regular expressions that do not compile, a missing table.
"""

from __future__ import annotations

import hashlib
import re
import string
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from bilingual import say
from conformance.sut.kinds import KINDS, SERVICE_KINDS, profile_check
from conformance.sut.placeholders import (
    BATCH_PLACEHOLDERS,
    SIGN_PLACEHOLDERS,
    TRUST_FORM_PLACEHOLDERS,
    VERIFY_PLACEHOLDERS,
    Placeholder,
    template_fields,
)
from conformance.sut.profile_errors import first_error
from conformance.sut.result_phrases import SutDisplay
from conformance.sut.service_profile import (
    Interaction,
    ServiceAdapter,
    pinned_certificate_der,
)
from scenarios import SignatureFormat
from testbed import InvalidInputError

DEFAULT_TIMEOUT_SECONDS = 60.0

ClockMode = Literal["argument", "system", "faketime"]
"""How the SUT learns the time (``adapter.clock``): from ``{moment}``, from the machine's clock
(the testbed's timeline is shifted to the real now), or from libfaketime."""
ARGUMENT_CLOCK_KINDS = ("cli", "batch", "python")
"""The kinds whose clock is 'argument' unless declared (the others: 'system')."""
FAKETIME_KINDS = ("cli", "batch")
"""The kinds kyso starts as a process, which libfaketime can wrap."""


DEFAULT_UNSUPPORTED_EXIT_CODE = 64
"""The exit code by which a SUT says "I do not support this case" (adapter contract v1)."""


class ProfileError(InvalidInputError):
    """A profile that cannot be used; the message is ``FILE: FIELD: PROBLEM`` on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


PadesLevel = Literal["B-B", "B-T", "B-LT", "B-LTA"]
Regime = Literal["public", "cong-vu", "state-doc"]
Role = Literal["signer", "verifier"]


class SutInfo(_Model):
    """``[sut]``: which software this profile describes (printed in every report header)."""

    name: str = Field(min_length=1, description="Product name, e.g. 'VNPT-CA Signing Tool'.")
    vendor: str = Field(min_length=1, description="Who makes it.")
    version: str = Field(min_length=1, description="The exact version tested, e.g. '2.3.1'.")


class Capabilities(_Model):
    """``[capabilities]``: the implementation conformance statement.

    Each field governs some cases (:mod:`conformance.capabilities`, the table CONTRACT.md
    shows): a case that needs a capability declared absent here is not run, SKIPPED with the
    reason "declared unsupported in sut.toml: capabilities.<field> ..."; if a mandatory
    requirement is behind the case, it is FAIL instead: a mandatory requirement is never skipped.
    """

    formats: list[SignatureFormat] = Field(
        default_factory=lambda: [SignatureFormat.PADES],
        description="Signature formats it signs or verifies (TT15/2025 Annex I rows 1.4-1.7): "
        "pades, xades, xmldsig, cades, cms; a case in another format is not run (FAIL when the "
        "format's requirement is mandatory).")
    pades_levels: list[PadesLevel] = Field(
        default_factory=list,
        description="PAdES baseline levels the signer can produce (B-B, B-T, B-LT, B-LTA); a "
        "signing case asking for another level is not run.")
    ocsp: bool = Field(default=True, description="It checks revocation through OCSP (false: "
                       "the cases flagged crl-only are not run).")
    crl: bool = Field(default=True, description="It checks revocation through CRLs (false: the "
                      "cases flagged ocsp-only are not run).")
    offline: bool = Field(default=False, description="It can verify without network access "
                          "(from validation data embedded in the document; false: the cases "
                          "flagged offline-validation are not run).")
    token_types: list[Literal["pkcs11"]] = Field(
        default_factory=lambda: ["pkcs11"],
        description="Kinds of signing device it can use; the testbed offers PKCS#11 tokens "
        "(without pkcs11 no signing case is run).")
    visible_signature: bool = Field(default=False,
                                    description="The signer can place a visible signature "
                                    "(false: the visible-signature cases are not run).")
    trust_store_management: bool = Field(
        default=False, description="Trust anchors can be configured (added/removed) by the "
        "user (false: the cases with their own trust anchors are not run).")
    evidence_storage: bool = Field(
        default=False, description="It keeps the validation data used (TT15-5.4 / 6.2 "
        "evidence; false: the cases expecting evidence are not run).")


class ExitCodes(_Model):
    """``[adapter.cli.exit_codes]`` (answer = "exit-code"): exit codes that carry the verdict."""

    signed: list[int] = Field(default_factory=lambda: [0],
                              description="Signer: exit codes meaning 'signed' (with an output).")
    refused: list[int] = Field(default_factory=list,
                               description="Signer: exit codes meaning 'refused to sign'.")
    total_passed: list[int] = Field(default_factory=list, alias="TOTAL-PASSED",
                                    description="Verifier: exit codes meaning 'valid'.")
    total_failed: list[int] = Field(default_factory=list, alias="TOTAL-FAILED",
                                    description="Verifier: exit codes meaning 'invalid'.")
    indeterminate: list[int] = Field(default_factory=list, alias="INDETERMINATE",
                                     description="Verifier: exit codes meaning 'cannot tell'.")

    def indication_of(self, exit_code: int) -> str | None:
        for indication, codes in (("TOTAL-PASSED", self.total_passed),
                                  ("TOTAL-FAILED", self.total_failed),
                                  ("INDETERMINATE", self.indeterminate)):
            if exit_code in codes:
                return indication
        return None


class Patterns(_Model):
    """``[adapter.cli.patterns]`` (answer = "exit-code"): Python regular expressions on stdout.

    Verifier: every stdout line matching one of the three indication patterns (tried in the
    order TOTAL-PASSED, TOTAL-FAILED, INDETERMINATE) is one signature; a named group
    ``(?P<field>...)`` captures its field name. Signer: ``refused`` matching stdout or stderr
    means a refusal; ``signed``, if given, must match for a signature to count.
    """

    signed: str | None = Field(default=None, description="Signer: text meaning 'signed'.")
    refused: str | None = Field(default=None, description="Signer: text meaning 'refused'.")
    total_passed: str | None = Field(default=None, alias="TOTAL-PASSED",
                                     description="Verifier: one line per valid signature.")
    total_failed: str | None = Field(default=None, alias="TOTAL-FAILED",
                                     description="Verifier: one line per invalid signature.")
    indeterminate: str | None = Field(default=None, alias="INDETERMINATE",
                                      description="Verifier: one line per undecided signature.")

    def indications(self) -> list[tuple[str, re.Pattern[str]]]:
        return [(name, re.compile(pattern, re.MULTILINE)) for name, pattern in
                (("TOTAL-PASSED", self.total_passed), ("TOTAL-FAILED", self.total_failed),
                 ("INDETERMINATE", self.indeterminate)) if pattern is not None]


class CliAdapter(_Model):
    """``[adapter.cli]``: one process per case, started from an argument-list template."""

    sign: list[str] | None = Field(
        default=None, min_length=1,
        description="Signer command as an argument list (no shell), with placeholders like "
        "{input}; required when roles include 'signer'.")
    verify: list[str] | None = Field(
        default=None, min_length=1,
        description="Verifier command as an argument list, with placeholders; required when "
        "roles include 'verifier'.")
    timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0, le=3600,
                                   description="Wall time per case; then ERROR 'timeout'.")
    answer: Literal["json", "exit-code"] = Field(
        default="json",
        description="'json': one contract-v1 JSON object on stdout (preferred); 'exit-code': "
        "the verdict is read from exit_codes and patterns (tools that cannot print JSON).")
    unsupported_exit_code: int = Field(
        default=DEFAULT_UNSUPPORTED_EXIT_CODE, ge=1, le=255,
        description="Exit code meaning 'this case is not supported' (SKIPPED).")
    exit_codes: ExitCodes = Field(default_factory=ExitCodes,
                                  description="answer = 'exit-code': codes carrying the verdict.")
    patterns: Patterns = Field(default_factory=Patterns,
                               description="answer = 'exit-code': regular expressions on stdout.")


class BatchAdapter(_Model):
    """``[adapter.batch]``: one process for many cases (cases on stdin, results on stdout)."""

    command: list[str] = Field(min_length=1, description="The batch program as an argument "
                               "list; placeholders: {python}, {profile_dir}, {workdir}.")
    timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0, le=3600,
                                   description="Wall time per case; a batch of N cases gets N "
                                   "times this.")
    unsupported_exit_code: int = Field(default=DEFAULT_UNSUPPORTED_EXIT_CODE, ge=1, le=255,
                                       description="Exit code meaning 'batch mode unsupported'.")


class PythonAdapter(_Model):
    """``[adapter.python]``: an entry point called in a sandboxed worker process per call, or,
    for trusted code that asks for it (``in_process``), inside kyso itself."""

    entry_point: str = Field(
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="'module:factory'; factory(**options) returns an object with "
        "sign(SignRequest) -> SignerAnswer and/or verify(VerifyRequest) -> VerifierAnswer.")
    path: list[str] = Field(default_factory=list, description="Directories added to sys.path, "
                            "relative to the profile's directory.")
    options: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Keyword arguments for the factory.")
    in_process: bool = Field(
        default=False, description="Trusted code only: call the entry point in kyso's own "
        "process, with no sandbox and no timeout (the report says isolation none); false: each "
        "call runs in a sandboxed worker process.")
    timeout_seconds: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0, le=3600,
                                   description="Wall time per call in the worker (not in "
                                   "process); then ERROR 'timeout'.")


class ManualAdapter(_Model):
    """``[adapter.manual]``: a person runs the program (GUI) from a test kit and records results."""

    program: str = Field(min_length=1, description="How the tester starts the program "
                         "(e.g. 'Start menu > Ký số > VNPT-CA Plugin').")
    instructions: str | None = Field(default=None, description="Extra notes for the tester.")


class Adapter(_Model):
    """``[adapter]``: how kyso drives the SUT; exactly the table of ``kind`` must be given."""

    kind: Literal["cli", "batch", "python", "manual", "http", "ws-oneshot", "ws-session",
                  "remote-hash"] = Field(
        description="cli | batch | python | manual | http | ws-oneshot | ws-session | "
        "remote-hash (the last four: [adapter.service]).")
    cli: CliAdapter | None = None
    batch: BatchAdapter | None = None
    python: PythonAdapter | None = None
    manual: ManualAdapter | None = None
    service: ServiceAdapter | None = Field(default=None, description="The service kinds' "
                                           "table.")
    clock: ClockMode | None = Field(
        default=None, description="How the software learns the time. 'argument': it takes "
        "{moment} (default for cli, batch, python); 'system': it reads the machine's clock, so "
        "each checkpoint is played on a testbed whose whole timeline is shifted to put the "
        "checkpoint at the real now (default for the service kinds and manual); 'faketime': "
        "cli and batch only, the process runs under libfaketime at the case's instant.")
    read_only_paths: list[str] = Field(
        default_factory=list, description="More folders the program may read in the sandbox "
        "(a vendor's install folder outside /usr and /opt), relative to the profile's folder "
        "or absolute; the report names them.")

    @property
    def table(self) -> str:
        """The name of the table this kind reads (``service`` for the service kinds)."""
        return KINDS[self.kind].table

    @model_validator(mode="after")
    def _one_table(self) -> Adapter:
        if getattr(self, self.table) is None:
            raise ValueError(f"adapter.{self.table}: " + say(
                f"bắt buộc khi adapter.kind = '{self.kind}' (một bảng [adapter.{self.table}])",
                f"required when adapter.kind = '{self.kind}' (a [adapter.{self.table}] table)"))
        for other in ("cli", "batch", "python", "manual", "service"):
            if other != self.table and getattr(self, other) is not None:
                raise ValueError(f"adapter.{other}: " + say(
                    f"có khai báo, nhưng adapter.kind = '{self.kind}'",
                    f"given, but adapter.kind = '{self.kind}'"))
        if self.clock == "faketime" and self.kind not in FAKETIME_KINDS:
            raise ValueError("adapter.clock: " + say(
                "'faketime' chạy tiến trình dưới libfaketime, chỉ cho các loại "
                f"{' và '.join(FAKETIME_KINDS)}; phần mềm được kiểm thử loại '{self.kind}' dùng "
                "'argument' hoặc 'system'",
                "'faketime' starts the process under libfaketime, for the kinds "
                f"{' and '.join(FAKETIME_KINDS)} only; a '{self.kind}' SUT takes 'argument' or "
                "'system'"))
        return self

    @property
    def clock_mode(self) -> ClockMode:
        """The clock in force: the declared one, else the kind's default (module doc)."""
        if self.clock is not None:
            return self.clock
        return "argument" if self.kind in ARGUMENT_CLOCK_KINDS else "system"


class SutProfile(_Model):
    """A whole ``sut.toml``."""

    sut: SutInfo
    roles: list[Role] = Field(min_length=1, description="'signer', 'verifier' or both.")
    regimes: list[Regime] = Field(
        default_factory=lambda: ["public"],
        description="Legal regimes it claims: 'public' (public digital signatures), 'cong-vu' "
        "(the government's special-use CA), 'state-doc' (state administrative documents).")
    capabilities: Capabilities
    interaction: Interaction | None = Field(
        default=None, description="Service kinds only (mandatory there): how the PIN reaches "
        "the service.")
    adapter: Adapter
    display: SutDisplay | None = Field(
        default=None, description="What the product shows a person, as its vendor declares it "
        "([display.result_phrases]: its own result phrases, in Vietnamese).")
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Extra environment variables for the SUT (the rest of kyso's environment "
        "is never passed on), e.g. JAVA_HOME.")

    _path: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The profile file this was loaded from."""
        return self._path

    @property
    def sha256(self) -> str | None:
        """SHA-256 of the profile file's bytes (recorded in the run header)."""
        return self._sha256

    @property
    def directory(self) -> Path:
        return self._path.parent if self._path is not None else Path.cwd()

    @model_validator(mode="after")
    def _consistent(self) -> SutProfile:
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles: " + say("một vai trò được liệt kê hai lần",
                                             "a role is listed twice"))
        for name in self.env:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"env.{name}: " + say("không phải tên biến môi trường hợp lệ",
                                                       "not a valid environment variable name"))
        if "signer" in self.roles and not self.capabilities.pades_levels:
            raise ValueError("capabilities.pades_levels: " + say(
                "phần mềm ký số phải khai báo ít nhất một mức PAdES",
                "a signer must declare at least one PAdES level"))
        cli = self.adapter.cli
        if cli is not None:
            for role, attribute in (("signer", "sign"), ("verifier", "verify")):
                if role in self.roles and getattr(cli, attribute) is None:
                    raise ValueError(f"adapter.cli.{attribute}: " + say(
                        f"bắt buộc, vì roles có '{role}'",
                        f"required, the roles include '{role}'"))
            _check_template("adapter.cli.sign", cli.sign, SIGN_PLACEHOLDERS)
            _check_template("adapter.cli.verify", cli.verify, VERIFY_PLACEHOLDERS)
            _check_patterns(cli.patterns)
            if cli.answer == "exit-code" and "verifier" in self.roles \
                    and not cli.patterns.indications() \
                    and not any((cli.exit_codes.total_passed, cli.exit_codes.total_failed,
                                 cli.exit_codes.indeterminate)):
                raise ValueError("adapter.cli.patterns: " + say(
                    "answer = 'exit-code' cần mẫu kết quả (indication) hoặc mã thoát cho vai "
                    "trò kiểm tra chữ ký số",
                    "answer = 'exit-code' needs indication patterns or exit codes for the "
                    "verifier"))
        if self.adapter.batch is not None:
            _check_template("adapter.batch.command", self.adapter.batch.command,
                            BATCH_PLACEHOLDERS)
        check = profile_check(self.adapter.kind)
        if check is not None:
            check(self)
        if self.interaction is not None and self.adapter.kind not in SERVICE_KINDS:
            kinds = ", ".join(SERVICE_KINDS)
            raise ValueError("interaction: " + say(
                f"chỉ dành cho các loại dịch vụ ({kinds}); phần mềm loại "
                f"'{self.adapter.kind}' nhận mã PIN qua {{pin_file}}",
                f"only for the service kinds ({kinds}); a '{self.adapter.kind}' SUT gets the "
                "PIN as {pin_file}"))
        return self

    def supports_level(self, level: str) -> bool:
        return level in self.capabilities.pades_levels

    def supports_format(self, signature_format: str) -> bool:
        return signature_format in self.capabilities.formats


def _check_template(where: str, template: list[str] | None, allowed: frozenset[Placeholder]
                    ) -> None:
    if template is None:
        return
    for index, argument in enumerate(template):
        try:
            names = [(name, spec, conversion) for _, name, spec, conversion
                     in string.Formatter().parse(argument) if name is not None]
        except ValueError as error:
            raise ValueError(f"{where}[{index}]: {error} " + say(
                "(viết {{ và }} cho dấu ngoặc nhọn thường)",
                "(write {{ and }} for literal braces)")) from None
        for name, spec, conversion in names:
            if name not in {p.value for p in Placeholder}:
                known = [p for p in Placeholder if not name.startswith("trust")
                         or p.value.startswith("trust")]
                names_known = " ".join(f"{{{p.value}}}" for p in known)
                label = say("chứng thư gốc tin cậy được truyền qua", "trust anchors come as") \
                    if name.startswith("trust") else say("các biến", "known")
                raise ValueError(f"{where}[{index}]: " + say(
                    f"biến thay thế {{{name}}} không xác định", f"unknown placeholder {{{name}}}")
                    + f" ({label}: {names_known})")
            if name not in allowed:
                raise ValueError(f"{where}[{index}]: " + say(
                    f"biến thay thế {{{name}}} không dùng được ở đây",
                    f"placeholder {{{name}}} is not available here"))
            if spec or conversion:
                raise ValueError(f"{where}[{index}]: " + say(
                    f"biến thay thế {{{name}}} không nhận định dạng hay chuyển đổi",
                    f"placeholder {{{name}}} takes no format or conversion"))
            if name == Placeholder.TRUST_FILES and len(names) > 1:
                raise ValueError(f"{where}[{index}]: " + say(
                    "{trust_files} lặp lại đối số của nó cho từng tệp; không thể dùng chung đối "
                    "số với biến thay thế khác",
                    "{trust_files} repeats its argument per file; it cannot share it with "
                    "another placeholder"))


def _check_patterns(patterns: Patterns) -> None:
    for name, field in Patterns.model_fields.items():
        pattern = getattr(patterns, name)
        if pattern is None:
            continue
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"adapter.cli.patterns.{field.alias or name}: " + say(
                f"biểu thức chính quy sai: {error}",
                f"bad regular expression: {error}")) from None


# ---- loading --------------------------------------------------------------------------------
def parse_profile(text: str, source: str = "sut.toml") -> SutProfile:
    """Validate profile TOML text; raises :class:`ProfileError` (``source: field: problem``)."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{source}: " + say(f"TOML không hợp lệ: {error}",
                                               f"invalid TOML: {error}")) from None
    try:
        return SutProfile.model_validate(data)
    except ValidationError as error:
        raise ProfileError(f"{source}: {first_error(error)}") from None


def load_profile(path: Path | str) -> SutProfile:
    """Load and validate a ``sut.toml``; the result knows its path and SHA-256."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as error:
        reason = error.strerror or error
        raise ProfileError(f"{path}: " + say(f"không đọc được ({reason})",
                                             f"cannot read ({reason})")) from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: " + say("không phải văn bản UTF-8",
                                             "not UTF-8 text")) from None
    profile = parse_profile(text, str(path))
    profile._path = path.resolve()
    if profile.adapter.service is not None and profile.adapter.service.tls is not None:
        try:
            pinned_certificate_der(profile.directory, profile.adapter.service.tls)
        except ValueError as error:
            raise ProfileError(f"{path}: {error}") from None
    profile._sha256 = hashlib.sha256(raw).hexdigest()
    return profile


__all__ = [
    "Adapter", "BatchAdapter", "Capabilities", "CliAdapter", "ExitCodes", "ManualAdapter",
    "Patterns", "Placeholder", "ProfileError", "PythonAdapter", "SutInfo", "SutProfile",
    "TRUST_FORM_PLACEHOLDERS", "load_profile", "parse_profile", "template_fields",
]
