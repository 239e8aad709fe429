"""What every adapter kind prepares for one case, whether it starts a process or calls a service.

The case's directory (where the evidence goes) and the suffix that keeps a second call's
evidence beside the first, the capabilities the profile declares absent (SKIPPED before the SUT
is asked), the token access file, the PIN (read only so that it can be kept out of the
evidence), and the SUT's environment: nothing from kyso's own, a fixed PATH and locale, HOME
and TMPDIR inside its working directory. The process kinds (:mod:`conformance.sut.process`)
and the service kinds (:mod:`conformance.sut.service`) both use these.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from bilingual import say
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.profile import SutProfile
from scenarios import SignRequest, VerifyRequest
from testbed import TestbedError, TokenAccess


def case_root(workdir: Path | None) -> Path:
    """The case's directory (evidence goes here): the request's, or a fresh temporary one."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="kyso-sut-case-"))
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir.resolve()


def evidence_suffix(root: Path, *stems: str) -> str:
    """The first suffix ('', '-2', '-3', ...) for which no ``{stem}{suffix}.json`` exists in
    ``root`` (a case that calls the SUT twice keeps both calls' evidence)."""
    number = 1
    while True:
        suffix = "" if number == 1 else f"-{number}"
        if not any((root / f"{stem}{suffix}.json").exists() for stem in stems):
            return suffix
        number += 1


def declared_unsupported(profile: SutProfile, request: SignRequest | VerifyRequest) -> None:
    """Raise :class:`SutUnsupported` if the profile declares the request's capability absent
    (its format for either role; level and visible signature for a signer)."""
    capabilities = profile.capabilities
    if not profile.supports_format(request.format):
        formats = [str(f) for f in capabilities.formats]
        raise SutUnsupported(say(
            f"sut.toml khai báo không hỗ trợ: capabilities.formats = {formats} không có "
            f"{request.format}",
            f"declared unsupported in sut.toml: capabilities.formats = {formats} does not "
            f"include {request.format}"), kind="declared-unsupported")
    if not isinstance(request, SignRequest):
        return
    if not profile.supports_level(request.level):
        levels = capabilities.pades_levels
        raise SutUnsupported(say(
            f"sut.toml khai báo không hỗ trợ: capabilities.pades_levels = {levels} không có "
            f"{request.level}",
            f"declared unsupported in sut.toml: capabilities.pades_levels = {levels} does not "
            f"include {request.level}"), kind="declared-unsupported")
    if request.visible and not capabilities.visible_signature:
        raise SutUnsupported(say(
            "sut.toml khai báo không hỗ trợ: capabilities.visible_signature = false",
            "declared unsupported in sut.toml: capabilities.visible_signature = false"),
            kind="declared-unsupported")


def token_access_of(request: SignRequest) -> TokenAccess:
    try:
        return TokenAccess.load(request.token_access)
    except TestbedError as error:  # the testbed's file: kyso's problem, not the SUT's
        raise SutNoAnswer(say(f"không đọc được tệp truy cập token: {error}",
                              f"cannot read the token access file: {error}"),
                          kind="start-error") from None


def sut_environment(profile: SutProfile, workdir: Path,
                    token_env: Mapping[str, str] | None = None, *,
                    at: datetime | None = None) -> dict[str, str]:
    """Minimal environment + the token's (so the PKCS#11 module finds its tokens) + the profile's
    explicit ``env`` (last: the tester's word wins); with ``adapter.clock = "faketime"``, the
    process's clock is moved to ``at`` (the case's instant) by libfaketime."""
    environment = minimal_env(workdir, {**(token_env or {}), **profile.env})
    if profile.adapter.clock_mode == "faketime" and at is not None:
        from conformance.sut.clock_modes import faketime_environment

        environment = faketime_environment(environment, at)
    return environment


def read_secret(path: Path) -> str:
    """The PIN, read only to make sure it never appears in the evidence."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def case_secrets(pin_file: Path) -> list[str]:
    """The PINs a case's evidence must never hold: the user PIN its PIN file gives and, when the
    testbed keeps it beside (``<label>.so-pin``), the token's SO PIN."""
    secrets = [read_secret(pin_file)]
    so_pin_file = Path(pin_file).with_suffix(".so-pin")
    if so_pin_file.exists():
        secrets.append(read_secret(so_pin_file))
    return [secret for secret in secrets if secret]


def minimal_env(workdir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The SUT's whole environment: a fixed PATH and locale, HOME and TMPDIR inside ``workdir``.

    Nothing is taken from ``os.environ``: the SUT must not see kyso's or the CI's variables.
    ``extra`` (e.g. ``SOFTHSM2_CONF`` or ``JAVA_HOME`` from the SUT profile) is added last.
    """
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(workdir),
                   "TMPDIR": str(workdir / "tmp")}
    environment.update(extra or {})
    return environment


__all__ = ["case_root", "case_secrets", "declared_unsupported", "evidence_suffix", "minimal_env",
           "read_secret", "sut_environment", "token_access_of"]
