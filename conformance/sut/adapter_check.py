"""``kyso adapter check --sut PROFILE``: one signing and one verification round trip, step by step.

Writing a service profile is trial and error: which field holds the code, where the signed file
is, what the service answers to a wrong PIN. Before a whole conformance run, this command starts
a small testbed (a subscriber with a SoftHSM token, a Vietnamese administrative document), has
the SUT sign the document once (if it plays the signer) and verify the result once (if it plays
the verifier; a reference signature when it does not sign), and prints what happened at each
step: what was sent (the PIN as ``***``, big values shortened), what the service answered
(status, an excerpt), every selector's value or where it missed ("selector $.data.signedData
matched nothing (no signedData in $.data); keys here: code, message").

A signature that comes back is not believed on its word: the oracle looks at it as at every
signing checkpoint of a run (:class:`~conformance.reference.inspection.OracleInspector`) and
says what it is (its format, algorithm and indication) or what is wrong with it: not a readable
PDF, no new signature, not valid (integrity, an algorithm label that does not match the
signature, a refused algorithm), another certificate than the token's, a plain CMS signature
(adbe.pkcs7.detached) or a lower level than the PAdES level asked for, bytes left unsigned.

The testbed is built in the private runtime directory (:func:`testbed.runtime_directory`), so
its keys, PINs and token store never enter ``--out`` (not even when the check is killed);
with ``--out`` its public part is published to ``OUT/testbed`` at the end.

Exit codes: 0 both round trips worked (a signature came back that the oracle finds right, and
the verifier read at least one signature and called a fresh valid one TOTAL-PASSED); 1 the
service answered but something did not fit (a selector or a code table missed, a refusal, a
wrong indication, or a signed output the oracle finds wrong: the last line names the first
thing wrong with it); 2 a bad profile; 3 the service could not be reached or gave no answer
(connection, TLS, timeout).
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.cli.exit_codes import ExitCode
from conformance.sut.clock_modes import clock_description
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.kinds import SERVICE_KINDS
from conformance.sut.profile import ProfileError, SutProfile, load_profile
from scenarios import Indication, SignerAnswer, SignerOutcome, SignRequest, VerifyRequest
from testbed import VietnameseName

EXIT_WORKED, EXIT_MISFIT, EXIT_PROFILE, EXIT_UNREACHABLE = (
    ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.ERROR)
"""This command's outcomes, named, in kyso's one exit-code contract."""
UNREACHABLE_KINDS = ("connection", "tls", "timeout", "start-error")
CONNECT_SECONDS = 5.0
SUBSCRIBER = "adapter-check"
HOLDER = VietnameseName(common_name="Nguyễn Văn Kiểm Tra", title="Chuyên viên",
                        organization="Văn phòng UBND tỉnh Lâm Đồng", locality="Lâm Đồng")


def check_adapter(profile_path: Path, *, out: Path | None = None,
                  say: Callable[[str], None] = print) -> int:
    """Run the round trips against the SUT of ``profile_path``; the exit code (module doc)."""
    try:
        profile = load_profile(profile_path)
    except ProfileError as error:
        print(f"kyso: {error}", file=sys.stderr)
        return EXIT_PROFILE
    if profile.adapter.kind == "manual":
        print(f"kyso: {profile_path}: adapter.kind: a 'manual' profile has no adapter to check "
              "(kyso kit export)", file=sys.stderr)
        return EXIT_PROFILE
    if out is not None and out.exists() and any(out.iterdir()):
        print(f"kyso: --out: {out} is not empty; choose a new directory", file=sys.stderr)
        return EXIT_PROFILE
    unreachable = _unreachable(profile)
    if unreachable is not None:  # fail fast, before building a testbed
        say(f"kyso adapter check: {profile.sut.name} {profile.sut.version} "
            f"({profile.adapter.kind})\n  ✗ ERROR connection: {unreachable}\n\nresult: the "
            "service could not be reached (exit 3)")
        return EXIT_UNREACHABLE
    from testbed import publish_testbed, runtime_directory

    folder = out or Path(tempfile.mkdtemp(prefix="kyso-adapter-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    with runtime_directory() as private:  # the testbed's secrets: never in ``folder``
        try:
            return _check(profile, folder, private / "testbed", say)
        except ProfileError as error:
            print(f"kyso: {error}", file=sys.stderr)
            return EXIT_PROFILE
        finally:
            if out is None:
                shutil.rmtree(folder, ignore_errors=True)
                say("(the case evidence above was temporary; --out DIR keeps it)")
            else:
                publish_testbed(private / "testbed", folder / "testbed")
                say(f"evidence kept in {folder} (the testbed without its secrets)")


def _check(profile: SutProfile, folder: Path, place: Path, say: Callable[[str], None]) -> int:
    """The round trips, the testbed built in ``place`` (in the private runtime directory)."""
    from testbed import administrative_document, running_testbed, wall_clock

    signer, verifier = _roles(profile, say)
    where = profile.adapter.service.base_url if profile.adapter.service else profile.adapter.kind
    say(f"kyso adapter check: {profile.sut.name} {profile.sut.version} "
        f"({profile.adapter.kind}) at {where}")
    say(f"clock: {clock_description(profile.adapter.clock_mode)}")
    with running_testbed(place, at=wall_clock()) as testbed:
        record, _ = testbed.tokens.create(SUBSCRIBER, key_type="p256", name=HOLDER)
        document = folder / "cong-van.pdf"
        document.write_bytes(administrative_document())
        anchors = testbed.trust_anchor_paths()
        roots = [anchors[label] for label in ("root-cv", "root-neac")]
        say(f"testbed at {testbed.base_url}; token '{record.label}'; document {document.name}")
        codes: list[int] = []
        signed: Path | None = None
        wrong: str | None = None
        if signer is not None:
            code, signed, wrong = _sign_step(signer, profile, testbed, record, document, roots,
                                             folder, say)
            codes.append(code)
        if verifier is not None:
            target = signed
            if target is None:
                target = _reference_signature(testbed, record.label, document, roots, folder)
                why = "the SUT's is wrong" if wrong is not None else "the SUT gave none"
                say(f"\n[2] verifying a reference signature ({why}) / kiểm tra chữ ký")
            else:
                say("\n[2] verifying the signed output / kiểm tra chữ ký vừa ký")
            codes.append(_verify(verifier, VerifyRequest(
                input=target, trust_roots=roots, moment=testbed.now(),
                workdir=folder / "verify"), say))
    result = max(codes, key=lambda code: (code == EXIT_UNREACHABLE, code)) if codes \
        else EXIT_WORKED
    if wrong is not None and result == EXIT_MISFIT:
        say(f"\nresult: the service signed, but its output is wrong: {wrong} (exit 1)")
        return result
    say({EXIT_WORKED: "\nresult: the round trips worked (exit 0)",
         EXIT_MISFIT: "\nresult: the service answered, but the profile does not fit it "
                      "(exit 1)",
         EXIT_UNREACHABLE: "\nresult: the service could not be reached or gave no answer "
                           "(exit 3)"}[result])
    return result


def _unreachable(profile: SutProfile) -> str | None:
    """Why the service's host and port take no TCP connection (None: they do, or not a
    service kind)."""
    service = profile.adapter.service
    if service is None:
        return None
    parts = urlsplit(service.base_url)
    default = 443 if parts.scheme in ("https", "wss") else 80
    address = (parts.hostname or "", parts.port or default)
    try:
        with socket.create_connection(address, timeout=CONNECT_SECONDS):
            return None
    except OSError as error:
        return f"cannot connect to {address[0]}:{address[1]} ({error.strerror or error})"


def _roles(profile: SutProfile, say: Callable[[str], None]) -> tuple[Any, Any]:
    if profile.adapter.kind in SERVICE_KINDS:
        from conformance.sut.service.adapter import ServiceSut

        sut = ServiceSut(profile, observer=lambda line: say(f"    {line}"))
        return (sut if "signer" in profile.roles else None,
                sut if "verifier" in profile.roles else None)
    from conformance.sut.adapters import build_roles

    return build_roles(profile)


def _no_answer(silence: SutNoAnswer, say: Callable[[str], None]) -> int:
    if isinstance(silence, SutUnsupported):
        say(f"  ✗ unsupported: {silence.reason}")
        return EXIT_MISFIT
    say(f"  ✗ ERROR {silence.kind}: {silence.reason}")
    for name, path in silence.evidence.items():
        say(f"    {name}: {path}")
    return EXIT_UNREACHABLE if silence.kind in UNREACHABLE_KINDS else EXIT_MISFIT


def _sign(signer: Any, request: SignRequest, say: Callable[[str], None]
          ) -> tuple[int, Path | None, SignerAnswer | None]:
    try:
        answer = signer.sign(request)
    except SutNoAnswer as silence:
        return _no_answer(silence, say), None, None
    if answer.outcome is SignerOutcome.REFUSED:
        say(f"  ✗ refused: {answer.reason} (a valid token and certificate: a correct service "
            "signs here; check the PIN interaction and reply.results)")
        return EXIT_MISFIT, None, None
    output = Path(answer.output or request.output)
    size = output.stat().st_size if output.exists() else 0
    say(f"  ✓ signed: {output} ({size} bytes); display: {answer.display!r}")
    for warning in answer.warnings:
        say(f"    warning: {warning}")
    if size == 0 or not output.read_bytes().startswith(b"%PDF-"):
        say("  ✗ the output is not a PDF")
        return EXIT_MISFIT, None, None
    return EXIT_WORKED, output, answer


def _sign_step(signer: Any, profile: SutProfile, testbed: Any, record: Any, document: Path,
               roots: list[Path], folder: Path, say: Callable[[str], None]
               ) -> tuple[int, Path | None, str | None]:
    """Step [1]: the SUT signs the document once, then the oracle looks at what it made.
    Returns the exit code, the signed file (None when there is none, or it is wrong) and, when
    the oracle finds the output wrong, the first thing wrong with it in one line."""
    level = "B-B" if profile.supports_level("B-B") else profile.capabilities.pades_levels[0]
    workdir = folder / "sign"
    workdir.mkdir(parents=True, exist_ok=True)
    expected = workdir / "expected-signer.der"
    expected.write_bytes(testbed.certificate_der(record.certificate))
    request = SignRequest(
        input=document, output=workdir / "signed.pdf",
        token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=record.label,
        trust_roots=roots, tsa_url=testbed.urls("ca-cv")["tsa"], level=level,
        moment=testbed.now(), certificate=expected, field_name="ChuKyKiemTra",
        workdir=workdir)
    say(f"\n[1] signing at PAdES {level} / ký thử")
    code, signed, answer = _sign(signer, request, say)
    if signed is None or answer is None:
        return code, None, None
    problems = _inspect(testbed, replace(request, output=signed), answer, say)
    if problems:
        return EXIT_MISFIT, None, problems[0]
    return code, signed, None


def _inspect(testbed: Any, request: SignRequest, answer: SignerAnswer,
             say: Callable[[str], None]) -> list[str]:
    """The oracle on the signer's output, as at every signing checkpoint of a run: a readable
    PDF with one signature more, valid at the signing instant (integrity, algorithms, the
    certificate), made with the token's certificate, a PAdES baseline signature
    (ETSI.CAdES.detached) at the level asked for, covering the whole file. Says what it found;
    returns the problems (none: the output is right)."""
    from conformance.oracle import DocumentError, SignatureKind, validate_pdf
    from conformance.reference.inspection import OracleInspector
    from conformance.reference.verifier import trust_roots_from_files

    problems = OracleInspector(testbed).inspect(request, answer)
    for problem in problems:
        say(f"  ✗ the output is wrong: {problem}")
    if problems:
        return problems
    try:
        result = validate_pdf(request.output.read_bytes(),
                              trust_roots_from_files(request.trust_roots), at=request.moment)
    except (OSError, DocumentError) as error:  # inspected just now: not expected
        return [f"the output is not a readable signed PDF ({error})"]
    new = [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE][-1]
    algorithm = f", {new.algorithm.signature_algorithm} with {new.algorithm.digest_algorithm}" \
        if new.algorithm is not None else ""
    say(f"  ✓ the oracle: {new.signature_format}{algorithm}, {new.indication.value}, the "
        "whole file signed")
    return []


def _verify(verifier: Any, request: VerifyRequest, say: Callable[[str], None]) -> int:
    try:
        answer = verifier.verify(request)
    except SutNoAnswer as silence:
        return _no_answer(silence, say)
    if not answer.signatures:
        say(f"  ✗ no signature read from the answer (error: {answer.error!r}); check "
            "reply.signatures")
        return EXIT_MISFIT
    code = EXIT_WORKED
    for signature in answer.signatures:
        sub = f" / {signature.sub_indication.value}" if signature.sub_indication else ""
        say(f"  {signature.field_name}: {signature.indication.value}{sub}; shown: "
            f"{signature.display.get('result', '(no result field)')!r}")
        if signature.indication is not Indication.TOTAL_PASSED:
            say("  ✗ a fresh signature by a valid certificate is TOTAL-PASSED: check "
                "reply.indications")
            code = EXIT_MISFIT
    if code == EXIT_WORKED:
        say(f"  ✓ verified: {len(answer.signatures)} signature(s)")
    return code


def _reference_signature(testbed: Any, label: str, document: Path, roots: list[Path],
                         folder: Path) -> Path:
    from conformance.reference.roles import ReferenceSigner

    record = testbed.state.token(label)
    output = folder / "reference" / "signed.pdf"
    output.parent.mkdir(parents=True, exist_ok=True)
    ReferenceSigner().sign(SignRequest(
        input=document, output=output, token_access=testbed.directory / record.access_file,
        pin_file=testbed.directory / record.pin_file, token_label=label, trust_roots=roots,
        tsa_url=None, level="B-B", moment=testbed.now(), field_name="ChuKyThamChieu"))
    return output


__all__ = ["EXIT_MISFIT", "EXIT_PROFILE", "EXIT_UNREACHABLE", "EXIT_WORKED",
           "check_adapter"]
