"""Playing a scenario on a fresh testbed: events change the PKI, checkpoints ask the software.

The player owns time: before each step it sets the testbed clock to the step's instant, so every
service, certificate and signature sees the same simulated moment. It writes every document and
artifact into the run directory, saves the CRLs and an OCSP answer seen at each verification as
evidence, and writes ``index.json`` describing them. It never decides what software to run: it is
given a :class:`~scenarios.roles.Signer` and a :class:`~scenarios.roles.Verifier`.
"""

from __future__ import annotations

import hashlib
import json
import traceback
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from asn1crypto import algos, ocsp, x509

from testbed import pdf_attacks
from testbed.ca.key_types import KeyType
from testbed.clock import parse_duration, parse_instant
from testbed.documents import (
    AdministrativeDocument,
    administrative_document,
    append_content_change,
    break_byte_range,
    empty_signature_contents,
    fill_form_field,
    flip_byte_in_signed_range,
    truncate,
)
from testbed.errors import TestbedError
from testbed.fixture_signing import sign_fixture
from testbed.service_modes import ServiceMode
from testbed.session import Testbed

from .display import SignatureTruth
from .judge import Judgement, judge_signing, judge_verification
from .model import (
    ChangeInfo,
    CompromiseCa,
    Issue,
    LockToken,
    LoseToken,
    Outage,
    PublishCrl,
    Recover,
    Reissue,
    Renew,
    RestoreToken,
    ReturnToken,
    Revoke,
    Scenario,
    Sign,
    StaleCrl,
    Tamper,
    Verify,
    resolve_instant,
)
from .outcomes import SignerAnswer, SignerOutcome, VerifierAnswer
from .roles import Inspector, NoAnswer, Signer, SignRequest, Verifier, VerifyRequest

TRUSTED_ROOTS = ("root-cv", "root-neac")
"""Trust anchors handed to software under test: the công vụ root and the NEAC-like root.
Which root ends a công vụ path is an open question (ND68 Art. 32 NOT FOUND); both are trusted,
the unrelated root never is."""


@dataclass
class StepResult:
    index: int
    at: datetime
    description: str
    checkpoint: str | None = None
    judgement: Judgement | None = None
    error: str | None = None
    artifacts: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    answer: SignerAnswer | VerifierAnswer | None = None
    no_answer: NoAnswer | None = None
    """Set when the software under test gave no usable answer at this checkpoint (ERROR)."""
    mutants: dict[str, Judgement | NoAnswer] = field(default_factory=dict)
    """How each defective variant fared at this checkpoint (mutation testing)."""

    @property
    def failed(self) -> bool:
        return self.error is not None or self.no_answer is not None or (
            self.judgement is not None and not self.judgement.passed)


@dataclass
class ScenarioRun:
    scenario: Scenario
    directory: Path
    steps: list[StepResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(step.failed for step in self.steps)

    @property
    def checkpoints(self) -> list[StepResult]:
        return [step for step in self.steps if step.checkpoint is not None]


class StepError(Exception):
    """A step that could not be played (not a checkpoint's failure: the story broke)."""


@dataclass(frozen=True)
class _Signing:
    """One signature in an artifact, as the player made it: the truth display fields are
    checked against at verify checkpoints (TT15-6.4.b)."""

    certificate: str
    at: datetime
    claimed: datetime | None
    timestamped: bool


class Player:
    """Plays scenarios on one testbed with the given signer and verifier."""

    def __init__(self, testbed: Testbed, signer: Signer, verifier: Verifier,
                 directory: Path, *, inspector: Inspector | None = None,
                 mutant_signers: dict[str, Signer] | None = None,
                 mutant_verifiers: dict[str, Verifier] | None = None,
                 story_signer: Signer | None = None) -> None:
        """``inspector`` checks what a signer produced at a checkpoint. ``mutant_*`` are
        defective variants asked the same question at every checkpoint of their role, beside
        the story (their outputs never feed later steps): one pass yields the mutation table."""
        self.testbed = testbed
        self.signer = signer
        self.verifier = verifier
        self.directory = directory
        self.inspector = inspector
        self.mutant_signers = mutant_signers or {}
        self.story_signer = story_signer
        """Signs the story's own documents (sign steps that are not checkpoints): a signer
        under test is judged at its checkpoints only, and a verifier under test is handed the
        same documents whatever signer is being tested alongside."""
        self.mutant_verifiers = mutant_verifiers or {}
        self._artifacts: dict[str, Path] = {}
        self._signings: dict[str, tuple[_Signing, ...]] = {}
        """Artifact → its signatures, oldest first (tampering keeps them)."""

    # ---- the run ---------------------------------------------------------------------------
    def play(self, scenario: Scenario) -> ScenarioRun:
        run = ScenarioRun(scenario, self.directory)
        start = (parse_instant(scenario.start, field="start") if scenario.start
                 else self.testbed.now())
        (self.directory / "artifacts").mkdir(parents=True, exist_ok=True)
        for name, spec in scenario.documents.items():
            path = self.directory / "artifacts" / f"{name}.pdf"
            content = (AdministrativeDocument(subject=spec.subject) if spec.subject
                       else AdministrativeDocument())
            path.write_bytes(administrative_document(content, pages=spec.pages,
                                                     with_form_field=spec.form_field))
            self._artifacts[name] = path
        for index, step in enumerate(scenario.timeline):
            instant = resolve_instant(step.at, start)
            self.testbed.set_clock(instant)
            result = StepResult(index, instant, _describe(step))
            run.steps.append(result)
            checkpoint = getattr(step, "checkpoint", None)
            if checkpoint is not None:
                result.checkpoint = checkpoint.id
                result.requirements = list(checkpoint.requirements)
            try:
                self._play_step(scenario, step, start, result)
            except (StepError, TestbedError) as error:
                result.error = str(error)
            except Exception as error:  # a bug or a broken tool: record it, keep the story
                result.error = f"{type(error).__name__}: {error}"
                (self.directory / f"step-{index}-traceback.txt").write_text(
                    traceback.format_exc(), encoding="utf-8")
        self._write_index(run)
        return run

    def _play_step(self, scenario: Scenario, step: object, start: datetime,
                   result: StepResult) -> None:
        testbed, tokens = self.testbed, self.testbed.tokens
        if isinstance(step, Issue):
            actor = scenario.actors[step.actor]
            options = {"name": actor.name, "profile": actor.profile, "branch": actor.branch,
                       "rule_breaks": actor.rule_breaks,
                       "validity": parse_duration("+" + step.validity.lstrip("+"),
                                                  field="validity") if step.validity else None}
            if actor.token:
                _, certificate = tokens.create(step.actor, key_type=actor.key,
                                               max_pin_tries=actor.max_pin_tries, **options)
            else:
                certificate = testbed.issue(step.actor, key_type=KeyType(actor.key), **options)
            result.description += f" → {certificate.label} (serial {certificate.serial:#x})"
        elif isinstance(step, Renew):
            certificate = (tokens.renew(step.actor) if tokens.holding(step.actor)
                           else testbed.renew(step.actor))
            result.description += f" → {certificate.label}"
        elif isinstance(step, ChangeInfo):
            subscriber = testbed.state.subscriber(step.actor)
            changes = {key: value for key, value in {
                "title": step.title, "organization": step.organization,
                "organizational_unit": step.organizational_unit,
                "locality": step.locality}.items() if value is not None}
            new_name = subscriber.name.model_copy(update=changes)
            certificate = (tokens.change_info(step.actor, name=new_name)
                           if tokens.holding(step.actor)
                           else testbed.change_info(step.actor, name=new_name))
            result.description += f" → {certificate.label}"
        elif isinstance(step, Revoke):
            testbed.revoke(step.actor, reason=step.reason,
                           invalidity_date=resolve_instant(step.invalidity, start)
                           if step.invalidity else None)
        elif isinstance(step, Reissue):
            actor = scenario.actors[step.actor]
            if actor.token:
                _, certificate = tokens.create(step.actor, key_type=actor.key, reissue=True,
                                               max_pin_tries=actor.max_pin_tries)
            else:
                certificate = testbed.reissue(step.actor, key_type=KeyType(actor.key))
            result.description += f" → {certificate.label}"
        elif isinstance(step, LoseToken):
            tokens.lose(self._token_of(step.actor),
                        reported_at=resolve_instant(step.reported, start) if step.reported
                        else None)
        elif isinstance(step, LockToken):
            tokens.lock(self._token_of(step.actor))
        elif isinstance(step, RestoreToken):
            tokens.restore(self._token_of(step.actor))
        elif isinstance(step, ReturnToken):
            tokens.give_back(self._token_of(step.actor))
        elif isinstance(step, CompromiseCa):
            testbed.compromise_authority(step.authority)
            parent = testbed.state.authority(step.authority).parent
            if parent is not None:
                testbed.publish_crl(parent)
        elif isinstance(step, Outage):
            testbed.set_service(step.service, step.service_mode,
                                delay_seconds=step.delay_seconds)
        elif isinstance(step, Recover):
            testbed.set_service(step.service, ServiceMode.NORMAL)
        elif isinstance(step, StaleCrl):
            testbed.set_service(f"crl:{step.authority}", ServiceMode.STALE)
        elif isinstance(step, PublishCrl):
            testbed.publish_crl(step.authority)
        elif isinstance(step, Sign):
            self._sign(scenario, step, start, result)
        elif isinstance(step, Tamper):
            self._tamper(step, result)
        elif isinstance(step, Verify):
            self._verify(step, result)
        else:  # pragma: no cover - the model's union is closed
            raise StepError(f"unknown step {type(step).__name__}")

    # ---- helpers ---------------------------------------------------------------------------
    def _token_of(self, actor: str) -> str:
        record = self.testbed.tokens.holding(actor)
        if record is None:
            raise StepError(f"actor '{actor}' holds no token in use")
        return record.label

    def _artifact(self, name: str) -> Path:
        try:
            return self._artifacts[name]
        except KeyError:
            raise StepError(f"artifact '{name}' does not exist (its step failed?)") from None

    def trust_roots(self, labels: list[str] | None = None) -> list[Path]:
        anchors = self.testbed.trust_anchor_paths()
        return [anchors[label] for label in (labels or TRUSTED_ROOTS)]

    def _sign(self, scenario: Scenario, step: Sign, start: datetime,
              result: StepResult) -> None:
        source = self._artifact(step.document or step.input or "")
        output = self.directory / "artifacts" / f"{step.output}.pdf"
        state = self.testbed.state
        subscriber = state.subscriber(step.actor)
        certificate = subscriber.current_certificate
        if certificate is None:
            raise StepError(f"actor '{step.actor}' has no certificate yet")
        if step.by == "fixture":
            output.write_bytes(sign_fixture(
                self.testbed, source.read_bytes(), certificate_label=certificate,
                level=step.level, digest=step.digest,
                claimed_time=resolve_instant(step.claimed_time, start)
                if step.claimed_time else None, tsa_authority=step.tsa, rsa_pss=step.rsa_pss,
                embed_chain=step.embed_chain, timestamp_defect=step.timestamp_defect,
                certify=step.certify))
            self._artifacts[step.output] = output
            result.artifacts.append(step.output)
            self._record_signing(step, certificate, resolve_instant(step.claimed_time, start)
                                 if step.claimed_time else None)
            return
        token = self.testbed.tokens.latest(step.actor)
        if token is None:
            raise StepError(f"actor '{step.actor}' has no token: the signer under test signs "
                            "with a token (use by: fixture for software keys)")
        authority = state.authorities[state.certificates[certificate].issuer]
        tsa_owner = authority.label if authority.tsa else "ca-cv"
        workdir = self.directory / "work" / f"step-{result.index}"
        workdir.mkdir(parents=True, exist_ok=True)
        certificate_file = workdir / "expected-signer.der"
        certificate_file.write_bytes(self.testbed.certificate_der(state.tokens[token.label]
                                                                  .certificate))
        pin_file = self.testbed.directory / token.pin_file
        if step.pin == "wrong":
            pin_file = _wrong_pin_file(pin_file, workdir)
        request = SignRequest(
            input=source, output=output, token_access=self.testbed.directory / token.access_file,
            pin_file=pin_file, token_label=token.label,
            trust_roots=self.trust_roots(step.trust), tsa_url=self.testbed.urls(tsa_owner)["tsa"],
            level=step.level, moment=self.testbed.now(), visible=step.visible,
            appearance=step.appearance,
            certificate=certificate_file, field_name=f"Signature-{step.output}",
            workdir=workdir)
        try:
            signer = self.signer if step.expect is not None else \
                (self.story_signer or self.signer)
            answer = signer.sign(request)
        except NoAnswer as silence:
            result.no_answer = silence
            if step.expect is None:
                raise StepError(f"the signer gave no answer: {silence.reason}") from None
            if step.expect.outcome != "refused" and self.story_signer is not None:
                self._keep_story_going(step, request, result)
            return
        result.answer = answer
        produced = output.exists() and output.stat().st_size > 0
        if produced:
            self._artifacts[step.output] = output
            result.artifacts.append(step.output)
            self._record_signing(step, state.tokens[token.label].certificate, None)
        if step.expect is not None:
            result.judgement = self._judge_signing(step, request, answer, produced)
            if not produced and step.expect.outcome != "refused" \
                    and self.story_signer is not None:
                self._keep_story_going(step, request, result)
            for name, mutant in self.mutant_signers.items():
                result.mutants[name] = self._mutant_signing(name, mutant, step, request)
        elif answer.outcome is not SignerOutcome.SIGNED or not produced:
            raise StepError(f"the signer did not sign: {answer.reason or 'no output'}")

    def _keep_story_going(self, step: Sign, request: SignRequest, result: StepResult) -> None:
        """The signer under test made no document where the story needs one: the story signer
        makes it, so later checkpoints (of other roles) can still be played. The verdict on
        this checkpoint is not affected."""
        assert self.story_signer is not None
        answer = self.story_signer.sign(request)
        if answer.outcome is SignerOutcome.SIGNED and request.output.exists():
            self._artifacts[step.output] = request.output

    def _judge_signing(self, step: Sign, request: SignRequest, answer: SignerAnswer,
                       produced: bool) -> Judgement:
        assert step.expect is not None
        certificate = request.certificate.read_bytes() \
            if request.certificate is not None and request.certificate.is_file() else None
        judgement = judge_signing(step.expect, answer, produced, request.workdir, certificate)
        if (judgement.passed and produced and self.inspector is not None
                and answer.outcome is SignerOutcome.SIGNED):
            problems = self.inspector.inspect(request, answer)
            if problems:
                return Judgement(False, judgement.expected, judgement.actual,
                                 "the output is wrong: " + "; ".join(problems))
        return judgement

    def _mutant_signing(self, name: str, mutant: Signer, step: Sign,
                        request: SignRequest) -> Judgement | NoAnswer:
        workdir = self.directory / "mutants" / name / (
            request.workdir.name if request.workdir else "sign")
        workdir.mkdir(parents=True, exist_ok=True)
        shadow = replace(request, output=workdir / request.output.name, workdir=workdir)
        try:
            answer = mutant.sign(shadow)
        except NoAnswer as silence:
            return silence
        produced = shadow.output.exists() and shadow.output.stat().st_size > 0
        return self._judge_signing(step, shadow, answer, produced)

    def _tamper(self, step: Tamper, result: StepResult) -> None:
        data = self._artifact(step.input).read_bytes()
        if step.kind == "byte-flip":
            changed = flip_byte_in_signed_range(data)
        elif step.kind == "content-update":
            changed = append_content_change(data)
        elif step.kind == "form-fill":
            changed = fill_form_field(data, "Đã điền sau khi ký")
        elif step.kind == "truncate":
            changed = truncate(data)
        elif step.kind == "usf-empty-contents":
            changed = empty_signature_contents(data)
        elif step.kind == "usf-bad-byterange":
            changed = break_byte_range(data)
        elif step.kind in _ATTACKS:
            changed = _ATTACKS[step.kind](data)
        else:
            changed = data + b"\n% appended garbage after the last %%EOF\n"
        output = self.directory / "artifacts" / f"{step.output}.pdf"
        output.write_bytes(changed)
        self._artifacts[step.output] = output
        result.artifacts.append(step.output)
        self._signings[step.output] = self._signings.get(step.input, ())

    def _verify(self, step: Verify, result: StepResult) -> None:
        workdir = self.directory / "work" / f"step-{result.index}"
        workdir.mkdir(parents=True, exist_ok=True)
        self._save_revocation_evidence(workdir)
        request = VerifyRequest(input=self._artifact(step.input),
                                trust_roots=self.trust_roots(step.trust),
                                moment=self.testbed.now(), workdir=workdir)
        truth = self._truth(step)
        signer = self.testbed.certificate_der(truth.certificate) if truth else None
        try:
            answer = self.verifier.verify(request)
        except NoAnswer as silence:
            result.no_answer = silence
        else:
            result.answer = answer
            result.judgement = judge_verification(step.expect, answer, truth, workdir, signer)
        for name, mutant in self.mutant_verifiers.items():
            shadow_dir = self.directory / "mutants" / name / workdir.name
            shadow_dir.mkdir(parents=True, exist_ok=True)
            try:
                result.mutants[name] = judge_verification(
                    step.expect, mutant.verify(replace(request, workdir=shadow_dir)), truth,
                    shadow_dir, signer)
            except NoAnswer as silence:
                result.mutants[name] = silence

    def _record_signing(self, step: Sign, certificate: str, claimed: datetime | None) -> None:
        """``step.output`` holds the input's signatures and one more, by ``certificate``, now."""
        earlier = self._signings.get(step.input, ()) if step.input else ()
        self._signings[step.output] = (*earlier, _Signing(
            certificate, self.testbed.now(), claimed, timestamped=step.level != "B-B"))

    def _truth(self, step: Verify) -> SignatureTruth | None:
        """What the testbed knows about the signature the checkpoint judges (None: the player
        did not make it, e.g. a document signed outside the story)."""
        try:
            signing = self._signings.get(step.input, ())[step.expect.signature]
        except IndexError:
            return None
        return SignatureTruth.from_certificate(
            self.testbed.certificate_der(signing.certificate), label=signing.certificate,
            signed_at=signing.at, claimed_at=signing.claimed, timestamped=signing.timestamped)

    def _save_revocation_evidence(self, workdir: Path) -> None:
        """What the revocation services answer at this instant, as the software could see it:
        the issuing CAs' CRLs and an OCSP response for every subscriber's current certificate."""
        state = self.testbed.state
        for label, authority in state.authorities.items():
            if authority.issues_subscribers:
                self._fetch(self.testbed.urls(label)["crl"], workdir / f"{label}.crl")
        for subscriber in state.subscribers.values():
            current = subscriber.current_certificate
            if current is None:
                continue
            record = state.certificates[current]
            request = ocsp_request_for(
                x509.Certificate.load(self.testbed.certificate_der(record.issuer)), record.serial)
            self._fetch(self.testbed.urls(record.issuer)["ocsp"], workdir / f"ocsp-{current}.der",
                        request)

    @staticmethod
    def _fetch(url: str, target: Path, body: bytes | None = None) -> None:
        request = urllib.request.Request(url, data=body)  # noqa: S310 (testbed URL, loopback)
        if body is not None:
            request.add_header("Content-Type", "application/ocsp-request")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                target.write_bytes(response.read())
        except OSError as error:
            target.with_name(target.name + ".unavailable").write_text(f"{error}\n")

    def _write_index(self, run: ScenarioRun) -> None:
        artifacts = {}
        for name, path in sorted(self._artifacts.items()):
            artifacts[name] = {"path": str(path.relative_to(self.directory)),
                               "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        index = {
            "scenario": run.scenario.id,
            "testbed": str(self.testbed.directory),
            "passed": run.passed,
            "artifacts": artifacts,
            "steps": [{
                "index": step.index, "at": step.at.isoformat(), "what": step.description,
                "checkpoint": step.checkpoint, "requirements": step.requirements,
                "passed": None if step.checkpoint is None and step.error is None
                else not step.failed,
                "expected": step.judgement.expected if step.judgement else None,
                "actual": step.judgement.actual if step.judgement else None,
                "reason": (step.judgement.reason if step.judgement else None) or step.error
                or (f"no answer: {step.no_answer.reason}" if step.no_answer else None),
                "answer": step.answer.model_dump(mode="json") if step.answer else None,
                "artifacts": step.artifacts,
            } for step in run.steps],
        }
        (self.directory / "index.json").write_text(
            json.dumps(index, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


_ATTACKS: dict[str, Callable[[bytes], bytes]] = {
    "signature-wrapping": pdf_attacks.wrap_signature,
    "shadow-prepare-hide": partial(pdf_attacks.prepare_shadow,
                                   variant=pdf_attacks.ShadowVariant.HIDE),
    "shadow-prepare-replace": partial(pdf_attacks.prepare_shadow,
                                      variant=pdf_attacks.ShadowVariant.REPLACE),
    "shadow-prepare-hide-and-replace": partial(
        pdf_attacks.prepare_shadow, variant=pdf_attacks.ShadowVariant.HIDE_AND_REPLACE),
    "shadow-hide": pdf_attacks.shadow_hide,
    "shadow-replace": pdf_attacks.shadow_replace,
    "shadow-hide-and-replace": pdf_attacks.shadow_hide_and_replace,
    "evil-annotation": pdf_attacks.evil_annotation,
    "sneaky-signature": pdf_attacks.sneaky_signature,
}
"""Tamper kinds built by :mod:`testbed.pdf_attacks` (the PDF-signature attack families)."""


def _wrong_pin_file(right: Path, workdir: Path) -> Path:
    """A PIN file (mode 0600) in ``workdir`` holding a PIN that is not the one in ``right``."""
    pin = right.read_text(encoding="utf-8").strip()
    wrong = "0000" if pin != "0000" else "1111"
    path = workdir / "wrong-pin.txt"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(wrong + "\n", encoding="utf-8")
    return path


def ocsp_request_for(issuer: x509.Certificate, serial: int) -> bytes:
    """A nonce-less OCSP request (RFC 6960) for ``serial`` issued by ``issuer``."""
    cert_id = ocsp.CertId({
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha1"}),
        "issuer_name_hash": issuer.subject.sha1,
        "issuer_key_hash": issuer.public_key.sha1,
        "serial_number": serial,
    })
    return ocsp.OCSPRequest({"tbs_request": {"request_list": [{"req_cert": cert_id}]}}).dump()


def _describe(step: object) -> str:
    do = getattr(step, "do", "?")
    parts = [do]
    for attribute in ("actor", "authority", "service", "document", "input"):
        value = getattr(step, attribute, None)
        if value is not None and not (attribute == "authority" and do not in
                                      {"compromise-ca", "stale-crl", "publish-crl"}):
            parts.append(f"{attribute}={value}")
    for attribute in ("level", "kind", "reason", "mode"):
        value = getattr(step, attribute, None)
        if value is not None:
            parts.append(str(getattr(value, "value", value)))
    if getattr(step, "by", None) == "fixture":
        parts.append("(fixture)")
    output = getattr(step, "output", None)
    if output:
        parts.append(f"→ {output}")
    return " ".join(parts)


def format_run(run: ScenarioRun, start: datetime | None = None) -> str:
    """The timeline as text: one line per step, checkpoints with ✓ / ✗ and the reason."""
    lines = [f"{run.scenario.id}: {run.scenario.title.vi} / {run.scenario.title.en}"]
    origin = start or (run.steps[0].at if run.steps else None)
    for step in run.steps:
        offset = step.at - origin if origin else timedelta(0)
        mark = " "
        if step.checkpoint or step.error:
            mark = "✗" if step.failed else "✓"
        line = f" {mark} [{_offset(offset):>7}] {step.description}"
        if step.checkpoint:
            line += f"  «{step.checkpoint}»"
        lines.append(line)
        if step.judgement is not None:
            lines.append(f"      expected {step.judgement.expected}; got {step.judgement.actual}"
                         + (f" — {step.judgement.reason}" if step.judgement.reason else ""))
        if step.error:
            lines.append(f"      error: {step.error}")
        if step.no_answer is not None:
            lines.append(f"      no usable answer (ERROR): {step.no_answer.reason}")
    verdict = "PASSED" if run.passed else "FAILED"
    count = len(run.checkpoints)
    failed = sum(1 for step in run.steps if step.failed)
    lines.append(f"{verdict}: {count} checkpoint(s), {failed} failing step(s); "
                 f"artifacts in {run.directory}")
    return "\n".join(lines)


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    if days and not rest:
        return f"{sign}{days}d"
    hours, rest = divmod(rest, 3600)
    return f"{sign}{days}d{hours:02d}h" if days else f"{sign}{hours}h{rest // 60:02d}m"
