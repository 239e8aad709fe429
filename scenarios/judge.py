"""Comparing an answer with a checkpoint's expectation: did the software do what it must?

Kept small and literal: the indication must match, the sub-indication must be one of the
accepted ones (when the checkpoint lists any), the Vietnamese result the person is shown must be
of the expected class, and every display field the checkpoint names must be shown, with the
right value (:mod:`scenarios.display`: checked against the testbed's truth when the player
gives it). Conformance adds validation policies on top (FAIL / WARNING / INFO); a scenario run
only needs yes or no, with the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509

from .checkpoints import SignExpectation, VerifyExpectation
from .display import SignatureTruth, display_problems, display_readings
from .outcomes import MessageClass, SignerAnswer, SignerOutcome, VerifierAnswer
from .vietnamese import Reading, declared_note, read_result, read_signing, unaccented_note


@dataclass(frozen=True)
class Judgement:
    passed: bool
    expected: str
    actual: str
    reason: str = ""
    notes: tuple[str, ...] = ()
    """Warnings that do not fail the checkpoint (a Vietnamese result written without
    diacritics); the conformance runner rates a passed checkpoint with notes WARNING."""
    info: tuple[str, ...] = ()
    """Facts the report shows that change nothing (a result read with a phrase the vendor
    declared in its profile)."""


def judge_verification(expect: VerifyExpectation, answer: VerifierAnswer,
                       truth: SignatureTruth | None = None, workdir: Path | None = None,
                       signer_certificate: bytes | None = None) -> Judgement:
    """``truth``: what the testbed knows about the judged signature; with it, the display
    fields the expectation names are checked for their values (:mod:`scenarios.display`).
    ``workdir``: the request's working directory (relative evidence paths are resolved
    against it); ``signer_certificate``: DER of the judged signature's certificate, which
    stored evidence must equal. Vietnamese written without diacritics (the result, the
    integrity and validity fields) is read all the same and noted (:attr:`Judgement.notes`)."""
    judgement = _judge_verification(expect, answer, truth, workdir, signer_certificate)
    try:
        display = answer.signatures[expect.signature].display
    except IndexError:
        return judgement
    readings = [("result", read_result(display.get("result"))),
                *display_readings(expect, display)]
    return _with_findings(judgement, readings)


def _with_findings(judgement: Judgement, readings: list[tuple[str, Reading[object] | None]]
                   ) -> Judgement:
    """The judgement with the notes (written without diacritics) and the info (read with a
    vendor's phrase) its readings call for."""
    notes = tuple(note for what, reading in readings
                  if (note := unaccented_note(what, reading)) is not None)
    info = tuple(note for what, reading in readings
                 if (note := declared_note(what, reading)) is not None)
    return replace(judgement, notes=judgement.notes + notes, info=judgement.info + info)


def _judge_verification(expect: VerifyExpectation, answer: VerifierAnswer,
                        truth: SignatureTruth | None, workdir: Path | None,
                        signer_certificate: bytes | None) -> Judgement:
    accepted = "|".join(s.value for s in expect.sub_indications) or "any"
    expected = f"{expect.indication.value} ({accepted})"
    if not answer.signatures:
        return Judgement(False, expected, "no signature reported",
                         answer.error or "the verifier reported no signature")
    try:
        signature = answer.signatures[expect.signature]
    except IndexError:
        return Judgement(False, expected, f"{len(answer.signatures)} signature(s)",
                         f"signature {expect.signature} was not reported")
    actual = signature.indication.value + (
        f" ({signature.sub_indication.value})" if signature.sub_indication else "")
    if signature.indication is not expect.indication:
        return Judgement(False, expected, actual, "wrong indication")
    # a sub-indication is EN 319 102-1 detail TT15 does not require a program to show: one
    # that reports none is judged on its indication; one that reports a wrong one fails
    if expect.sub_indications and signature.sub_indication is not None \
            and signature.sub_indication not in expect.sub_indications:
        return Judgement(False, expected, actual, "sub-indication not among the accepted ones")
    wanted_class = expect.message_class or MessageClass.of(expect.indication)
    reading = read_result(signature.display.get("result"))
    shown = None if reading is None else reading.value
    if shown is not wanted_class:
        return Judgement(False, expected, actual,
                         f"the person is told {shown.value if shown else 'nothing we recognise'}"
                         f" in Vietnamese, not '{wanted_class.vietnamese}'")
    missing = [field.value for field in expect.display
               if not signature.display.get(field.value, "").strip()]
    if missing:
        return Judgement(False, expected, actual, f"display misses {', '.join(missing)}")
    problems = display_problems(expect, signature.display, truth)
    if problems:
        return Judgement(False, expected, actual, "display: " + "; ".join(problems))
    if expect.evidence:
        problems = evidence_problems(answer.evidence, workdir, signer_certificate)
        if problems:
            return Judgement(False, expected, actual, "evidence: " + "; ".join(problems))
    return Judgement(True, expected, actual)


def judge_signing(expect: SignExpectation, answer: SignerAnswer, output_exists: bool,
                  workdir: Path | None = None, certificate: bytes | None = None) -> Judgement:
    """``workdir``: the request's working directory (relative evidence paths are resolved
    against it); ``certificate``: DER of the token's certificate (``SignRequest.certificate``),
    which stored evidence must equal."""
    warned = bool(answer.warnings)
    expected = expect.outcome + ("" if expect.warning is None
                                 else (", with a warning" if expect.warning else ", no warning"))
    actual = answer.outcome.value + (", with a warning" if warned else "")
    if expect.outcome == "warn-or-refuse":
        if answer.outcome is SignerOutcome.SIGNED and not warned:
            return Judgement(False, expected, actual,
                             "signed without warning although the status was unobtainable")
        if answer.outcome is SignerOutcome.REFUSED and output_exists:
            return Judgement(False, expected, actual, "refused but left a signed document")
        if answer.outcome is SignerOutcome.SIGNED and not output_exists:
            return Judgement(False, expected, actual, "said 'signed' but wrote no document")
        return _evidence(expect, answer, expected, actual, workdir, certificate)
    if answer.outcome.value != expect.outcome:
        detail = f": {answer.reason}" if answer.reason else ""
        return Judgement(False, expected, actual, f"the signer {answer.outcome.value}{detail}")
    if answer.outcome is SignerOutcome.SIGNED and not output_exists:
        return Judgement(False, expected, actual, "said 'signed' but wrote no document")
    if answer.outcome is SignerOutcome.REFUSED and output_exists:
        return Judgement(False, expected, actual, "refused but left a signed document behind")
    if expect.warning is not None and warned != expect.warning:
        return Judgement(False, expected, actual,
                         "a warning was expected" if expect.warning else "an unexpected warning")
    return _evidence(expect, answer, expected, actual, workdir, certificate)


def _evidence(expect: SignExpectation, answer: SignerAnswer, expected: str, actual: str,
              workdir: Path | None, certificate: bytes | None) -> Judgement:
    judgement = _vietnamese_result(expect, answer, expected, actual)
    if judgement.passed and expect.evidence and answer.outcome is SignerOutcome.SIGNED:
        problems = evidence_problems(answer.evidence, workdir, certificate)
        if problems:
            return Judgement(False, expected, actual, "evidence: " + "; ".join(problems))
    return judgement


def _vietnamese_result(expect: SignExpectation, answer: SignerAnswer, expected: str,
                       actual: str) -> Judgement:
    if not expect.vietnamese_result:
        return Judgement(True, expected, actual)
    reading = read_signing(answer.display)
    if reading is None or reading.value is not answer.outcome:
        word = "đã ký" if answer.outcome is SignerOutcome.SIGNED else "chưa ký"
        return Judgement(False, expected, actual,
                         f"the signer is not told '{word}' in Vietnamese (TT15-5.6.b)")
    return _with_findings(Judgement(True, expected, actual), [("signing result", reading)])


EVIDENCE_KEYS = ("certificate", "crl", "status")
"""What the software must store for a signature (TT15 Art. 5 khoản 4, Art. 6 khoản 2)."""


def evidence_problems(evidence: dict[str, str], workdir: Path | None,
                      signer_certificate: bytes | None = None) -> list[str]:
    """What is wrong with the evidence an answer names, in words (empty: nothing).

    Each of :data:`EVIDENCE_KEYS` must name an existing file (a relative path is read against
    ``workdir``); the certificate must parse (DER or PEM) and equal ``signer_certificate`` when
    given; the CRL must parse as a CertificateList issued by the certificate's issuer; the
    status must not be empty."""
    problems: list[str] = []
    contents: dict[str, bytes] = {}
    for key in EVIDENCE_KEYS:
        value = (evidence.get(key) or "").strip()
        if not value:
            problems.append(f"'{key}' is missing")
            continue
        path = Path(value)
        if not path.is_absolute() and workdir is not None:
            path = workdir / path
        if not path.is_file():
            problems.append(f"'{key}' names {value}, which does not exist")
            continue
        contents[key] = path.read_bytes()
    certificate: x509.Certificate | None = None
    if "certificate" in contents:
        certificate = _parse_certificate(contents["certificate"])
        if certificate is None:
            problems.append("'certificate' is not an X.509 certificate (DER or PEM)")
        elif signer_certificate is not None and certificate.dump() != signer_certificate:
            problems.append("'certificate' is not the signer's certificate "
                            f"(it is {certificate.subject.human_friendly})")
    issuer = x509.Certificate.load(signer_certificate).issuer if signer_certificate \
        else certificate.issuer if certificate is not None else None
    if "crl" in contents:
        revocation_list = _parse_crl(contents["crl"])
        if revocation_list is None:
            problems.append("'crl' is not a CRL (DER or PEM)")
        elif issuer is not None and revocation_list.issuer != issuer:
            problems.append("'crl' is not issued by the signer certificate's issuer "
                            f"(it is {revocation_list.issuer.human_friendly})")
    if "status" in contents and not contents["status"].strip():
        problems.append("'status' is an empty file")
    return problems


def _der(data: bytes) -> bytes:
    if pem.detect(data):
        return pem.unarmor(data)[2]
    return data


def _parse_certificate(data: bytes) -> x509.Certificate | None:
    try:
        certificate = x509.Certificate.load(_der(data))
        certificate.native  # noqa: B018 (parses every field: lazy parsing hides garbage)
    except (ValueError, TypeError, KeyError):
        return None
    return certificate


def _parse_crl(data: bytes) -> asn1_crl.CertificateList | None:
    try:
        revocation_list = asn1_crl.CertificateList.load(_der(data))
        revocation_list.native  # noqa: B018 (parses every field)
    except (ValueError, TypeError, KeyError):
        return None
    return revocation_list
