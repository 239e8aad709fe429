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

from bilingual import say
from conformance.cli.exit_codes import ExitCode
from conformance.sut.clock_modes import clock_description
from conformance.sut.contract import SutNoAnswer, SutUnsupported
from conformance.sut.indication_words import with_words
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
                  emit: Callable[[str], None] = print) -> int:
    """Run the round trips against the SUT of ``profile_path``; the exit code (module doc)."""
    try:
        profile = load_profile(profile_path)
    except ProfileError as error:
        print(f"kyso: {error}", file=sys.stderr)
        return EXIT_PROFILE
    if profile.adapter.kind == "manual":
        print(f"kyso: {profile_path}: adapter.kind: " + say(
            "hồ sơ 'manual' không có bộ chuyển đổi để kiểm tra (dùng kyso kit export)",
            "a 'manual' profile has no adapter to check (kyso kit export)"), file=sys.stderr)
        return EXIT_PROFILE
    if out is not None and out.exists() and any(out.iterdir()):
        print("kyso: " + say(f"--out: {out} không trống; hãy chọn một thư mục mới",
                             f"--out: {out} is not empty; choose a new directory"),
              file=sys.stderr)
        return EXIT_PROFILE
    unreachable = _unreachable(profile)
    if unreachable is not None:  # fail fast, before building a testbed
        emit(f"kyso adapter check: {profile.sut.name} {profile.sut.version} "
             f"({profile.adapter.kind})")
        emit(f"  ✗ ERROR connection: {unreachable}")
        emit("\n" + say("kết quả: không kết nối được tới dịch vụ (exit 3)",
                        "result: the service could not be reached (exit 3)"))
        return EXIT_UNREACHABLE
    from testbed import publish_testbed, runtime_directory

    folder = out or Path(tempfile.mkdtemp(prefix="kyso-adapter-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    with runtime_directory() as private:  # the testbed's secrets: never in ``folder``
        try:
            return _check(profile, folder, private / "testbed", emit)
        except ProfileError as error:
            print(f"kyso: {error}", file=sys.stderr)
            return EXIT_PROFILE
        finally:
            if out is None:
                shutil.rmtree(folder, ignore_errors=True)
                emit(say("(bằng chứng của điểm kiểm tra ở trên chỉ là tạm thời; --out DIR giữ "
                         "lại)", "(the case evidence above was temporary; --out DIR keeps it)"))
            else:
                publish_testbed(private / "testbed", folder / "testbed")
                emit(say(f"bằng chứng được giữ tại {folder} (testbed, không kèm bí mật)",
                         f"evidence kept in {folder} (the testbed without its secrets)"))


def _check(profile: SutProfile, folder: Path, place: Path, emit: Callable[[str], None]) -> int:
    """The round trips, the testbed built in ``place`` (in the private runtime directory)."""
    from testbed import administrative_document, running_testbed, wall_clock

    signer, verifier = _roles(profile, emit)
    where = profile.adapter.service.base_url if profile.adapter.service else profile.adapter.kind
    emit(f"kyso adapter check: {profile.sut.name} {profile.sut.version} "
         f"({profile.adapter.kind}) @ {where}")
    emit(say("đồng hồ", "clock") + f": {clock_description(profile.adapter.clock_mode)}")
    with running_testbed(place, at=wall_clock()) as testbed:
        record, _ = testbed.tokens.create(SUBSCRIBER, key_type="p256", name=HOLDER)
        document = folder / "cong-van.pdf"
        document.write_bytes(administrative_document())
        anchors = testbed.trust_anchor_paths()
        roots = [anchors[label] for label in ("root-cv", "root-neac")]
        emit(say(f"testbed tại {testbed.base_url}; token '{record.label}'; văn bản "
                 f"{document.name}",
                 f"testbed at {testbed.base_url}; token '{record.label}'; document "
                 f"{document.name}"))
        codes: list[int] = []
        signed: Path | None = None
        wrong: str | None = None
        if signer is not None:
            code, signed, wrong = _sign_step(signer, profile, testbed, record, document, roots,
                                             folder, emit)
            codes.append(code)
        if verifier is not None:
            target = signed
            if target is None:
                target = _reference_signature(testbed, record.label, document, roots, folder)
                emit("\n[2] " + (say(
                    "kiểm tra một chữ ký số tham chiếu (chữ ký của phần mềm được kiểm thử sai)",
                    "verifying a reference signature (the SUT's is wrong)") if wrong is not None
                    else say("kiểm tra một chữ ký số tham chiếu (phần mềm được kiểm thử không "
                             "tạo chữ ký)",
                             "verifying a reference signature (the SUT gave none)")))
            else:
                emit("\n[2] " + say("kiểm tra chữ ký số vừa ký",
                                    "verifying the signed output"))
            codes.append(_verify(verifier, VerifyRequest(
                input=target, trust_roots=roots, moment=testbed.now(),
                workdir=folder / "verify"), emit))
    result = max(codes, key=lambda code: (code == EXIT_UNREACHABLE, code)) if codes \
        else EXIT_WORKED
    if wrong is not None and result == EXIT_MISFIT:
        emit("\n" + say(f"kết quả: dịch vụ đã ký, nhưng kết quả ký sai: {wrong} (exit 1)",
                        f"result: the service signed, but its output is wrong: {wrong} "
                        "(exit 1)"))
        return result
    emit("\n" + {
        EXIT_WORKED: say("kết quả: các vòng thử đều chạy được (exit 0)",
                         "result: the round trips worked (exit 0)"),
        EXIT_MISFIT: say("kết quả: dịch vụ có trả lời, nhưng hồ sơ không khớp với nó (exit 1)",
                         "result: the service answered, but the profile does not fit it "
                         "(exit 1)"),
        EXIT_UNREACHABLE: say("kết quả: không kết nối được tới dịch vụ hoặc dịch vụ không trả "
                              "lời (exit 3)",
                              "result: the service could not be reached or gave no answer "
                              "(exit 3)")}[result])
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
        reason = error.strerror or error
        return say(f"không kết nối được tới {address[0]}:{address[1]} ({reason})",
                   f"cannot connect to {address[0]}:{address[1]} ({reason})")


def _roles(profile: SutProfile, emit: Callable[[str], None]) -> tuple[Any, Any]:
    if profile.adapter.kind in SERVICE_KINDS:
        from conformance.sut.service.adapter import ServiceSut

        sut = ServiceSut(profile, observer=lambda line: emit(f"    {line}"))
        return (sut if "signer" in profile.roles else None,
                sut if "verifier" in profile.roles else None)
    from conformance.sut.adapters import build_roles

    return build_roles(profile)


def _no_answer(silence: SutNoAnswer, emit: Callable[[str], None]) -> int:
    if isinstance(silence, SutUnsupported):
        emit("  ✗ " + say("không hỗ trợ", "unsupported") + f": {silence.reason}")
        return EXIT_MISFIT
    emit(f"  ✗ ERROR {silence.kind}: {silence.reason}")
    for name, path in silence.evidence.items():
        emit(f"    {name}: {path}")
    return EXIT_UNREACHABLE if silence.kind in UNREACHABLE_KINDS else EXIT_MISFIT


def _sign(signer: Any, request: SignRequest, emit: Callable[[str], None]
          ) -> tuple[int, Path | None, SignerAnswer | None]:
    try:
        answer = signer.sign(request)
    except SutNoAnswer as silence:
        return _no_answer(silence, emit), None, None
    if answer.outcome is SignerOutcome.REFUSED:
        emit("  ✗ " + say(
            f"từ chối ký: {answer.reason} (token và chứng thư chữ ký số hợp lệ: một dịch vụ "
            "đúng sẽ ký ở đây; kiểm tra cách nhập mã PIN và reply.results)",
            f"refused: {answer.reason} (a valid token and certificate: a correct service signs "
            "here; check the PIN interaction and reply.results)"))
        return EXIT_MISFIT, None, None
    output = Path(answer.output or request.output)
    size = output.stat().st_size if output.exists() else 0
    emit("  ✓ " + say(f"đã ký: {output} ({size} byte); hiển thị: {answer.display!r}",
                      f"signed: {output} ({size} bytes); display: {answer.display!r}"))
    for warning in answer.warnings:
        emit("    " + say("cảnh báo", "warning") + f": {warning}")
    if size == 0 or not output.read_bytes().startswith(b"%PDF-"):
        emit("  ✗ " + say("kết quả ký không phải PDF", "the output is not a PDF"))
        return EXIT_MISFIT, None, None
    return EXIT_WORKED, output, answer


def _sign_step(signer: Any, profile: SutProfile, testbed: Any, record: Any, document: Path,
               roots: list[Path], folder: Path, emit: Callable[[str], None]
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
    emit("\n[1] " + say(f"ký thử ở mức PAdES {level}", f"signing at PAdES {level}"))
    code, signed, answer = _sign(signer, request, emit)
    if signed is None or answer is None:
        return code, None, None
    problems = _inspect(testbed, replace(request, output=signed), answer, emit)
    if problems:
        return EXIT_MISFIT, None, problems[0]
    return code, signed, None


def _inspect(testbed: Any, request: SignRequest, answer: SignerAnswer,
             emit: Callable[[str], None]) -> list[str]:
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
        emit("  ✗ " + say(f"kết quả ký sai: {problem}", f"the output is wrong: {problem}"))
    if problems:
        return problems
    try:
        result = validate_pdf(request.output.read_bytes(),
                              trust_roots_from_files(request.trust_roots), at=request.moment)
    except (OSError, DocumentError) as error:  # inspected just now: not expected
        return [say(f"kết quả ký không phải PDF đã ký đọc được ({error})",
                    f"the output is not a readable signed PDF ({error})")]
    new = [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE][-1]
    algorithm = f", {new.algorithm.signature_algorithm} with {new.algorithm.digest_algorithm}" \
        if new.algorithm is not None else ""
    found = f"{new.signature_format}{algorithm}, {with_words(new.indication.value)}"
    emit("  ✓ " + say(f"bộ kiểm chứng (oracle): {found}, toàn bộ tệp được ký",
                      f"the oracle: {found}, the whole file signed"))
    return []


def _verify(verifier: Any, request: VerifyRequest, emit: Callable[[str], None]) -> int:
    try:
        answer = verifier.verify(request)
    except SutNoAnswer as silence:
        return _no_answer(silence, emit)
    if not answer.signatures:
        emit("  ✗ " + say(
            f"không đọc được chữ ký nào từ câu trả lời (lỗi: {answer.error!r}); kiểm tra "
            "reply.signatures",
            f"no signature read from the answer (error: {answer.error!r}); check "
            "reply.signatures"))
        return EXIT_MISFIT
    code = EXIT_WORKED
    for signature in answer.signatures:
        sub = f", {with_words(signature.sub_indication.value)}" if signature.sub_indication \
            else ""
        shown = signature.display.get("result")
        shown_text = repr(shown) if shown is not None else say("(không có trường kết quả)",
                                                               "(no result field)")
        emit(f"  {signature.field_name}: {with_words(signature.indication.value)}{sub}; "
             + say("hiển thị", "shown") + f": {shown_text}")
        if signature.indication is not Indication.TOTAL_PASSED:
            emit("  ✗ " + say(
                "một chữ ký số mới, bởi chứng thư chữ ký số còn hiệu lực, phải là TOTAL-PASSED "
                "(hợp lệ): kiểm tra reply.indications",
                "a fresh signature by a valid certificate is TOTAL-PASSED: check "
                "reply.indications"))
            code = EXIT_MISFIT
    if code == EXIT_WORKED:
        count = len(answer.signatures)
        emit("  ✓ " + say(f"đã kiểm tra: {count} chữ ký", f"verified: {count} signature(s)"))
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
