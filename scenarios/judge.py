"""Comparing an answer with a checkpoint's expectation: did the software do what it must?

Kept small and literal: the indication must match, the sub-indication must be one of the
accepted ones (when the checkpoint lists any; a customary misnomer of one is passed with a
warning, :data:`TOLERATED`), the Vietnamese result the person is shown must be
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
from .display import SignatureTruth, display_readings
from .findings import Check, field_checks, first_reason, shown, technical
from .outcomes import MessageClass, SignerAnswer, SignerOutcome, SubIndication, VerifierAnswer
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
    checks: tuple[Check, ...] = ()
    """Every check of the checkpoint, each judged on its own (:mod:`scenarios.findings`);
    ``passed`` is all of them passing, ``reason`` the first failure's."""

    @classmethod
    def of(cls, expected: str, actual: str, checks: list[Check]) -> Judgement:
        """The judgement its checks make: passed when every check passed."""
        return cls(all(check.passed for check in checks), expected, actual,
                   first_reason(checks), checks=tuple(checks))

    def with_check(self, check: Check) -> Judgement:
        """The judgement with one more check (e.g. the output's inspection)."""
        return replace(Judgement.of(self.expected, self.actual, [*self.checks, check]),
                       notes=self.notes, info=self.info)


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
    vendor's phrase) its readings call for, each also a passed check."""
    notes = tuple(note for what, reading in readings
                  if (note := unaccented_note(what, reading)) is not None)
    info = tuple(note for what, reading in readings
                 if (note := declared_note(what, reading)) is not None)
    remarks = tuple(
        Check(f"{kind}:{what}", "display", "message" if what in _MESSAGES else "fields", True,
              expected, reading.phrase, note=note, warning=kind == "diacritics")
        for what, reading in readings if reading is not None
        for kind, expected, note in (("diacritics", "Vietnamese with diacritics",
                                      unaccented_note(what, reading)),
                                     ("declared", "a phrase kyso reads",
                                      declared_note(what, reading)))
        if note is not None)
    return replace(judgement, notes=judgement.notes + notes, info=judgement.info + info,
                   checks=judgement.checks + remarks)


_MESSAGES = ("result", "signing result")


def _judge_verification(expect: VerifyExpectation, answer: VerifierAnswer,
                        truth: SignatureTruth | None, workdir: Path | None,
                        signer_certificate: bytes | None) -> Judgement:
    accepted = "|".join(s.value for s in expect.sub_indications) or "any"
    expected = f"{expect.indication.value} ({accepted})"
    if not answer.signatures:
        return Judgement.of(expected, "no signature reported", [technical(
            "indication", False, expect.indication.value, "no signature reported",
            answer.error or "the verifier reported no signature")])
    try:
        signature = answer.signatures[expect.signature]
    except IndexError:
        count = f"{len(answer.signatures)} signature(s)"
        return Judgement.of(expected, count, [technical(
            "indication", False, expect.indication.value, count,
            f"signature {expect.signature} was not reported")])
    actual = signature.indication.value + (
        f" ({signature.sub_indication.value})" if signature.sub_indication else "")
    right = signature.indication is expect.indication
    checks = [technical("indication", right, expect.indication.value,
                        signature.indication.value, "wrong indication")]
    if expect.sub_indications:
        checks.append(_sub_indication_check(expect, signature.sub_indication, accepted))
    # the person must be told, in Vietnamese, what the program concluded: the expected class
    # when the indication is right; the class of its own (wrong) indication otherwise, which
    # the indication's finding already fails, so a wrong answer is not a display fault too
    wanted = (expect.message_class or MessageClass.of(expect.indication)) if right \
        else MessageClass.of(signature.indication)
    text = signature.display.get("result")
    reading = read_result(text)
    told = None if reading is None else reading.value
    checks.append(Check(
        "result", "display", "message", told is wanted, f"'{wanted.vietnamese}'", shown(text),
        "" if told is wanted else f"the person is told "
        f"{told.value if told else 'nothing we recognise'} in Vietnamese, "
        f"not '{wanted.vietnamese}'"))
    concluded = None if right else expect.model_copy(
        update={"indication": signature.indication, "message_class": None})
    checks += field_checks(expect, signature.display, truth, concluded)
    if expect.evidence:
        problems = evidence_problems(answer.evidence, workdir, signer_certificate)
        checks.append(technical("evidence", not problems, "certificate, CRL and status stored",
                                "; ".join(problems) or "stored",
                                "evidence: " + "; ".join(problems)))
    # a tolerated misnomer passes with a warning, which the runner reads from the notes
    return replace(Judgement.of(expected, actual, checks),
                   notes=tuple(check.note for check in checks if check.warning))


TOLERATED: dict[SubIndication, tuple[SubIndication, str]] = {
    SubIndication.DISALLOWED_MODIFICATION: (
        SubIndication.HASH_FAILURE,
        "HASH_FAILURE says a digest does not match, yet every digest matches: the document "
        "was changed after signing in a way that is not allowed (DISALLOWED_MODIFICATION; "
        "EN 319 102-1 has no name for it)"),
}
"""An accepted sub-indication → a customary misnomer of it, passed with a warning. EN 319 102-1
has no sub-indication for a change after signing that leaves every digest intact; verifiers
built on pyHanko (and kyso before) call it HASH_FAILURE. Failing them on a name the standard
does not offer would be unfair; passing them silently would hide that the person may be told
the signature is broken when the document is what changed."""


def _sub_indication_check(expect: VerifyExpectation, reported: SubIndication | None,
                          accepted: str) -> Check:
    """A sub-indication is EN 319 102-1 detail TT15 does not require a program to show: one
    that reports none is judged on its indication; one that reports a wrong one fails, but for
    a misnomer :data:`TOLERATED` names, which passes with a warning."""
    actual = reported.value if reported else "none"
    for wanted, (misnomer, note) in TOLERATED.items():
        if reported is misnomer and misnomer not in expect.sub_indications \
                and wanted in expect.sub_indications:
            return Check("sub-indication", "technical", "checkpoint", True, accepted, actual,
                         note=note, warning=True)
    return technical("sub-indication", reported is None or reported in expect.sub_indications,
                     accepted, actual, "sub-indication not among the accepted ones")


def judge_signing(expect: SignExpectation, answer: SignerAnswer, output_exists: bool,
                  workdir: Path | None = None, certificate: bytes | None = None) -> Judgement:
    """``workdir``: the request's working directory (relative evidence paths are resolved
    against it); ``certificate``: DER of the token's certificate (``SignRequest.certificate``),
    which stored evidence must equal."""
    warned = bool(answer.warnings)
    expected = expect.outcome + ("" if expect.warning is None
                                 else (", with a warning" if expect.warning else ", no warning"))
    actual = answer.outcome.value + (", with a warning" if warned else "")
    signed, refused = answer.outcome is SignerOutcome.SIGNED, \
        answer.outcome is SignerOutcome.REFUSED
    wrote = "a document written" if output_exists else "no document"
    if expect.outcome == "warn-or-refuse":
        checks = [technical("outcome", not (signed and not warned), expected, actual,
                            "signed without warning although the status was unobtainable")]
        checks.append(_document(signed, refused, output_exists, wrote, "refused but left a "
                                "signed document"))
    else:
        detail = f": {answer.reason}" if answer.reason else ""
        checks = [technical("outcome", answer.outcome.value == expect.outcome, expect.outcome,
                            answer.outcome.value, f"the signer {answer.outcome.value}{detail}")]
        checks.append(_document(signed, refused, output_exists, wrote, "refused but left a "
                                "signed document behind"))
        if expect.warning is not None:
            checks.append(technical(
                "warning", warned == expect.warning,
                "a warning" if expect.warning else "no warning",
                "a warning" if warned else "no warning",
                "a warning was expected" if expect.warning else "an unexpected warning"))
    return _evidence(expect, answer, Judgement.of(expected, actual, checks), workdir,
                     certificate)


def _document(signed: bool, refused: bool, output_exists: bool, wrote: str,
              left_behind: str) -> Check:
    """Whether the document is there exactly when the signer says it signed."""
    if signed and not output_exists:
        return technical("document", False, "a document written", wrote,
                         "said 'signed' but wrote no document")
    if refused and output_exists:
        return technical("document", False, "no document", wrote, left_behind)
    return technical("document", True, wrote, wrote, "")


def _evidence(expect: SignExpectation, answer: SignerAnswer, judgement: Judgement,
              workdir: Path | None, certificate: bytes | None) -> Judgement:
    judgement = _vietnamese_result(expect, answer, judgement)
    if expect.evidence and answer.outcome is SignerOutcome.SIGNED:
        problems = evidence_problems(answer.evidence, workdir, certificate)
        judgement = judgement.with_check(technical(
            "evidence", not problems, "certificate, CRL and status stored",
            "; ".join(problems) or "stored", "evidence: " + "; ".join(problems)))
    return judgement


def _vietnamese_result(expect: SignExpectation, answer: SignerAnswer,
                       judgement: Judgement) -> Judgement:
    if not expect.vietnamese_result:
        return judgement
    reading = read_signing(answer.display)
    word = "đã ký" if answer.outcome is SignerOutcome.SIGNED else "chưa ký"
    told = reading is not None and reading.value is answer.outcome
    judgement = judgement.with_check(Check(
        "result", "display", "message", told, f"'{word}'", shown(answer.display),
        "" if told else f"the signer is not told '{word}' in Vietnamese (TT15-5.6.b)"))
    return _with_findings(judgement, [("signing result", reading)]) if told else judgement


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
