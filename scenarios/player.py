"""Playing a scenario on a fresh testbed: events change the PKI, checkpoints ask the software.

The player owns time: before each step it sets the testbed clock to the step's instant, so every
service, certificate and signature sees the same simulated moment. It writes every document and
artifact into the run directory, saves the CRLs and an OCSP answer seen at each verification as
evidence, and writes ``index.json`` describing them. It never decides what software to run: it is
given a :class:`~scenarios.roles.Signer` and a :class:`~scenarios.roles.Verifier`.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import say
from testbed import (
    CertificateRecord,
    KeyType,
    ServiceMode,
    Testbed,
    TestbedError,
    TokenRecord,
    WorldState,
    parse_duration,
    parse_instant,
    sign_fixture,
    wall_clock,
)

from .archival import ArchiveStepError, extend_artifact, services_named
from .display import SignatureTruth
from .findings import technical
from .formats import artifact_path, played_format, tampered_artifact, write_document
from .judge import Judgement, judge_signing, judge_verification
from .model import (
    ChangeInfo,
    CompromiseCa,
    Extend,
    Issue,
    LockToken,
    LoseToken,
    Outage,
    Recover,
    Reissue,
    Renew,
    RenewTsa,
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
from .mutant_verifiers import ask_mutant_verifiers
from .outcomes import SignatureFormat, SignerAnswer, SignerOutcome
from .pins import wrong_pin_file
from .revocation_evidence import save_revocation_evidence
from .revocation_scale import AuthorityEvent, play_authority_event, timed_verify
from .roles import Archiver, Inspector, NoAnswer, Signer, SignRequest, Verifier, VerifyRequest
from .scenario_run import ScenarioRun, StepResult, describe_step, write_run_index

TRUSTED_ROOTS = ("root-cv", "root-neac")
"""Trust anchors handed to software under test: the công vụ root and the NEAC-like root.
Which root ends a công vụ path is an open question (ND68 Art. 32 NOT FOUND); both are trusted,
the unrelated root never is."""


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
    changed_by: tuple[str, ...] = ()
    """The tamper steps the document went through after this signature (their kinds)."""


class Player:
    """Plays scenarios on one testbed with the given signer and verifier."""

    def __init__(self, testbed: Testbed, signer: Signer, verifier: Verifier,
                 directory: Path, *, inspector: Inspector | None = None,
                 mutant_signers: dict[str, Signer] | None = None,
                 mutant_verifiers: dict[str, Verifier] | None = None,
                 story_signer: Signer | None = None, live_step: int | None = None,
                 live_at_wall_clock: bool = True, testbed_evidence: Path | None = None,
                 archiver: Archiver | None = None) -> None:
        """``inspector`` checks what a signer produced at a checkpoint. ``mutant_*`` are
        defective variants asked the same question at every checkpoint of their role, beside
        the story (their outputs never feed later steps): one pass yields the mutation table.
        ``testbed_evidence``: where the testbed's public part is published once played (a
        testbed built in the private runtime directory); the run index names it.
        ``archiver``: the archive tool ``extend`` steps ask (:mod:`.archival`)."""
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
        self.live_step = live_step
        """Software that reads the machine's clock: only this step's checkpoint asks it, played
        with the testbed following the wall clock; the story stops there, earlier signing
        checkpoints are story steps and earlier verifications are not played."""
        self.live_at_wall_clock = live_at_wall_clock
        """False: the live step stays pinned at its instant (a kit made for a later day)."""
        self.testbed_evidence = testbed_evidence or testbed.directory
        self.archiver = archiver
        self._artifacts: dict[str, Path] = {}
        self._signings: dict[str, tuple[_Signing, ...]] = {}
        """Artifact → its signatures, oldest first (tampering keeps them)."""
        self._contents: dict[str, Path] = {}
        """Artifact → the content its detached signature signs (CAdES, CMS)."""
        self.format = SignatureFormat.PADES
        """The format the story is being played in (:mod:`.formats`)."""

    # ---- the run ---------------------------------------------------------------------------
    def play(self, scenario: Scenario) -> ScenarioRun:
        run = ScenarioRun(scenario, self.directory)
        start = (parse_instant(scenario.start, field="start") if scenario.start
                 else self.testbed.now())
        (self.directory / "artifacts").mkdir(parents=True, exist_ok=True)
        self.format = played_format(scenario)
        for name, spec in scenario.documents.items():
            self._artifacts[name] = write_document(self.format, spec,
                                                   self.directory / "artifacts", name)
        for index, played in enumerate(scenario.timeline):
            step = self._live_only(index, played)
            if step is None:
                continue
            if index == self.live_step and self.live_at_wall_clock:
                self.testbed.set_clock(wall_clock(), follow_wall_clock=True)
                instant = self.testbed.now()
            else:
                instant = resolve_instant(step.at, start)
                self.testbed.set_clock(instant)
            result = StepResult(index, instant, describe_step(step))
            run.steps.append(result)
            checkpoint = getattr(step, "checkpoint", None)
            if checkpoint is not None:
                result.checkpoint = checkpoint.id
                result.requirements = list(checkpoint.requirements)
            try:
                self._play_step(scenario, step, start, result)
            except (StepError, ArchiveStepError, TestbedError) as error:
                result.error = str(error)
            except Exception as error:  # a bug or a broken tool: record it, keep the story
                result.error = f"{type(error).__name__}: {error}"
                (self.directory / f"step-{index}-traceback.txt").write_text(
                    traceback.format_exc(), encoding="utf-8")
        write_run_index(run, self._artifacts, self.testbed_evidence)
        return run

    def _live_only(self, index: int, step: Any) -> Any:
        """The step as played when only ``live_step`` asks the software (None: not played)."""
        if self.live_step is None or index == self.live_step:
            return step
        if index > self.live_step or isinstance(step, Verify):
            return None
        if isinstance(step, Sign) and step.checkpoint is not None:
            return step.model_copy(update={"expect": None, "checkpoint": None})
        return step

    def _play_step(self, scenario: Scenario, step: object, start: datetime,
                   result: StepResult) -> None:
        if isinstance(step, Issue | Renew | ChangeInfo | Revoke | Reissue):
            self._certificate_event(scenario, step, start, result)
        elif isinstance(step, LoseToken | LockToken | RestoreToken | ReturnToken):
            self._token_event(step, start)
        elif isinstance(step, CompromiseCa | Outage | Recover | StaleCrl | AuthorityEvent):
            self._service_event(step, result)
        elif isinstance(step, Sign):
            self._sign(scenario, step, start, result)
        elif isinstance(step, Tamper):
            self._tamper(step, result)
        elif isinstance(step, Extend | RenewTsa):
            self._archive(step, result)
        elif isinstance(step, Verify):
            self._verify(step, result)
        else:  # pragma: no cover - the model's union is closed
            raise StepError(say(f"bước không xác định {type(step).__name__}",
                                f"unknown step {type(step).__name__}"))

    # ---- events ----------------------------------------------------------------------------
    def _certificate_event(self, scenario: Scenario,
                           step: Issue | Renew | ChangeInfo | Revoke | Reissue, start: datetime,
                           result: StepResult) -> None:
        """A certificate is issued, renewed, re-issued, changed or revoked."""
        testbed, tokens = self.testbed, self.testbed.tokens
        if isinstance(step, Issue):
            certificate = self._issue(scenario, step)
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
        else:
            actor = scenario.actors[step.actor]
            if actor.token:
                _, certificate = tokens.create(step.actor, key_type=actor.key, reissue=True,
                                               max_pin_tries=actor.max_pin_tries)
            else:
                certificate = testbed.reissue(step.actor, key_type=KeyType(actor.key))
            result.description += f" → {certificate.label}"

    def _issue(self, scenario: Scenario, step: Issue) -> CertificateRecord:
        actor = scenario.actors[step.actor]
        options = {"name": actor.name, "profile": actor.profile, "branch": actor.branch,
                   "rule_breaks": actor.rule_breaks,
                   "validity": parse_duration("+" + step.validity.lstrip("+"),
                                              field="validity") if step.validity else None}
        if actor.token:
            _, certificate = self.testbed.tokens.create(
                step.actor, key_type=actor.key, max_pin_tries=actor.max_pin_tries, **options)
            return certificate
        return self.testbed.issue(step.actor, key_type=KeyType(actor.key), **options)

    def _token_event(self, step: LoseToken | LockToken | RestoreToken | ReturnToken,
                     start: datetime) -> None:
        """A token is lost, locked, restored or handed back."""
        tokens = self.testbed.tokens
        if isinstance(step, LoseToken):
            tokens.lose(self._token_of(step.actor),
                        reported_at=resolve_instant(step.reported, start) if step.reported
                        else None)
        elif isinstance(step, LockToken):
            tokens.lock(self._token_of(step.actor))
        elif isinstance(step, RestoreToken):
            tokens.restore(self._token_of(step.actor))
        else:
            tokens.give_back(self._token_of(step.actor))

    def _service_event(self, step: CompromiseCa | Outage | Recover | StaleCrl | AuthorityEvent,
                       result: StepResult) -> None:
        """A CA is compromised, a service fails or recovers, a CRL goes stale or is published."""
        testbed = self.testbed
        if isinstance(step, CompromiseCa):
            testbed.compromise_authority(step.authority)
            parent = testbed.state.authority(step.authority).parent
            if parent is not None:
                testbed.publish_crl(parent)
        elif isinstance(step, Outage | Recover):
            mode = step.service_mode if isinstance(step, Outage) else ServiceMode.NORMAL
            for service in services_named(testbed.state, step.service):
                testbed.set_service(service, mode,
                                    delay_seconds=getattr(step, "delay_seconds", 0.0))
        elif isinstance(step, StaleCrl):
            testbed.set_service(f"crl:{step.authority}", ServiceMode.STALE)
        else:
            result.description += play_authority_event(testbed, step)

    # ---- helpers ---------------------------------------------------------------------------
    def _token_of(self, actor: str) -> str:
        record = self.testbed.tokens.holding(actor)
        if record is None:
            raise StepError(say(f"actor '{actor}' không giữ token nào đang dùng",
                                f"actor '{actor}' holds no token in use"))
        return record.label

    def _artifact(self, name: str) -> Path:
        try:
            return self._artifacts[name]
        except KeyError:
            raise StepError(say(f"tệp kết quả '{name}' không tồn tại (bước tạo ra nó thất bại?)",
                                f"artifact '{name}' does not exist (its step failed?)")) from None

    def trust_roots(self, labels: list[str] | None = None) -> list[Path]:
        anchors = self.testbed.trust_anchor_paths()
        return [anchors[label] for label in (labels or TRUSTED_ROOTS)]

    def _sign(self, scenario: Scenario, step: Sign, start: datetime,
              result: StepResult) -> None:
        source = self._artifact(step.document or step.input or "")
        output = artifact_path(self.directory / "artifacts", step.output, self.format,
                               signed=True)
        if self.format.detached:
            self._contents[step.output] = source
        state = self.testbed.state
        certificate = state.subscriber(step.actor).current_certificate
        if certificate is None:
            raise StepError(say(f"actor '{step.actor}' chưa có chứng thư chữ ký số",
                                f"actor '{step.actor}' has no certificate yet"))
        if step.by == "fixture":
            self._sign_fixture(step, source, output, certificate, start, result)
            return
        token = self.testbed.tokens.latest(step.actor)
        if token is None:
            raise StepError(f"actor '{step.actor}': " + say(
                "không có token: phần mềm được kiểm thử ký số bằng token (với khóa phần mềm, "
                "dùng by: fixture)",
                "has no token: the signer under test signs with a token (use by: fixture for "
                "software keys)"))
        request = self._sign_request(state, step, source, output, certificate, token, result)
        try:
            signer = self.signer if step.expect is not None else \
                (self.story_signer or self.signer)
            answer = signer.sign(request)
        except NoAnswer as silence:
            result.no_answer = silence
            if step.expect is None:
                raise StepError(say(f"phần mềm ký số không trả lời: {silence.reason}",
                                    f"the signer gave no answer: {silence.reason}")) from None
            if step.expect.outcome != "refused" and self.story_signer is not None:
                self._keep_story_going(step, request, result)
            return
        self._signed(step, request, state.tokens[token.label].certificate, answer, result)

    def _sign_fixture(self, step: Sign, source: Path, output: Path, certificate: str,
                      start: datetime, result: StepResult) -> None:
        """The testbed itself signs (software key, rules broken on purpose if asked)."""
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

    def _sign_request(self, state: WorldState, step: Sign, source: Path, output: Path,
                      certificate: str, token: TokenRecord, result: StepResult) -> SignRequest:
        """What the signer is handed: the token, its PIN file, trust anchors, the TSA of the
        certificate's issuer (else the công vụ one), and the certificate it must sign with."""
        authority = state.authorities[state.certificates[certificate].issuer]
        tsa_owner = authority.label if authority.tsa else "ca-cv"
        workdir = self.directory / "work" / f"step-{result.index}"
        workdir.mkdir(parents=True, exist_ok=True)
        certificate_file = workdir / "expected-signer.der"
        certificate_file.write_bytes(self.testbed.certificate_der(state.tokens[token.label]
                                                                  .certificate))
        pin_file = self.testbed.directory / token.pin_file
        if step.pin == "wrong":
            pin_file = wrong_pin_file(pin_file, workdir)
        return SignRequest(
            input=source, output=output, token_access=self.testbed.directory / token.access_file,
            pin_file=pin_file, token_label=token.label,
            trust_roots=self.trust_roots(step.trust), tsa_url=self.testbed.urls(tsa_owner)["tsa"],
            level=step.level, moment=self.testbed.now(), visible=step.visible,
            appearance=step.appearance,
            certificate=certificate_file, field_name=f"Signature-{step.output}",
            workdir=workdir, format=self.format)

    def _signed(self, step: Sign, request: SignRequest, token_certificate: str,
                answer: SignerAnswer, result: StepResult) -> None:
        """The signer answered: keep its document (signed with ``token_certificate``), judge it
        at a checkpoint (and every defective variant beside it), or stop the story if a story
        signature failed."""
        output = request.output
        result.answer = answer
        produced = output.exists() and output.stat().st_size > 0
        if produced:
            self._artifacts[step.output] = output
            result.artifacts.append(step.output)
            self._record_signing(step, token_certificate, None)
        if step.expect is not None:
            result.judgement = self._judge_signing(step, request, answer, produced)
            if not produced and step.expect.outcome != "refused" \
                    and self.story_signer is not None:
                self._keep_story_going(step, request, result)
            for name, mutant in self.mutant_signers.items():
                result.mutants[name] = self._mutant_signing(name, mutant, step, request)
        elif answer.outcome is not SignerOutcome.SIGNED or not produced:
            raise StepError(say(f"phần mềm ký số không ký: {answer.reason or 'không có kết quả'}",
                                f"the signer did not sign: {answer.reason or 'no output'}"))

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
        if produced and self.inspector is not None and answer.outcome is SignerOutcome.SIGNED:
            # the output is inspected whatever else was found: each check is its own finding
            problems = self.inspector.inspect(request, answer)
            judgement = judgement.with_check(technical(
                "output", not problems, "a well-formed signed document as asked",
                "; ".join(problems) or "as asked", "the output is wrong: " + "; ".join(problems)))
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
        output, content = tampered_artifact(
            self.format, step.kind, self._artifact(step.input), self._contents.get(step.input),
            self.directory / "artifacts", step.output)
        if content is not None:
            self._contents[step.output] = content
        self._artifacts[step.output] = output
        result.artifacts.append(step.output)
        self._signings[step.output] = tuple(
            replace(signing, changed_by=(*signing.changed_by, step.kind))
            for signing in self._signings.get(step.input, ()))

    def _archive(self, step: Extend | RenewTsa, result: StepResult) -> None:
        """A TSA rolls its key, or the archive tool extends an artifact (:mod:`.archival`)."""
        if isinstance(step, RenewTsa):
            renewed = self.testbed.renew_timestamp_authority(step.authority)
            result.description += f" → {renewed.label}"
            return
        output = self.directory / "artifacts" / f"{step.output}.pdf"
        extend_artifact(self.archiver, self.testbed, step, self._artifact(step.input), output,
                        self.trust_roots())
        self._artifacts[step.output] = output
        result.artifacts.append(step.output)
        self._signings[step.output] = self._signings.get(step.input, ())

    def _verify(self, step: Verify, result: StepResult) -> None:
        workdir = self.directory / "work" / f"step-{result.index}"
        workdir.mkdir(parents=True, exist_ok=True)
        save_revocation_evidence(self.testbed, workdir)
        request = VerifyRequest(input=self._artifact(step.input),
                                trust_roots=self.trust_roots(step.trust),
                                moment=self.testbed.now(), workdir=workdir, format=self.format,
                                content=self._contents.get(step.input))
        truth = self._truth(step)
        signer = self.testbed.certificate_der(truth.certificate) if truth else None
        try:
            answer = timed_verify(self.testbed, self.verifier, request, truth, result.figures)
        except NoAnswer as silence:
            result.no_answer = silence
        else:
            result.answer = answer
            result.judgement = judge_verification(step.expect, answer, truth, workdir, signer)
        ask_mutant_verifiers(self.mutant_verifiers, step, request, truth, signer,
                             self.directory, result)

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
            signed_at=signing.at, claimed_at=signing.claimed, timestamped=signing.timestamped,
            changed_by=signing.changed_by)

