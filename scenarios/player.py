"""Playing a scenario on a fresh testbed: events change the PKI, checkpoints ask the software.

The player owns time: before each step it sets the testbed clock to the step's instant, so every
service, certificate and signature sees the same simulated moment. It writes every document and
artifact into the run directory, saves the CRLs and an OCSP answer seen at each verification as
evidence, and writes ``index.json`` describing them. It never decides what software to run: it is
given a :class:`~scenarios.roles.Signer` and a :class:`~scenarios.roles.Verifier`.
"""

from __future__ import annotations

import traceback
from collections.abc import Collection
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
    parse_duration,
    parse_instant,
    wall_clock,
)

from .archival import ArchiveStepError, extend_artifact, services_named
from .display import SignatureTruth
from .formats import played_format, tampered_artifact, write_document
from .judge import judge_verification
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
from .outcomes import SignatureFormat
from .revocation_evidence import save_revocation_evidence
from .revocation_scale import AuthorityEvent, play_authority_event, timed_verify
from .roles import Archiver, Inspector, NoAnswer, Signer, Verifier, VerifyRequest
from .scenario_run import ScenarioRun, StepResult, describe_step, write_run_index
from .signing_steps import SigningSteps, StepError

TRUSTED_ROOTS = ("root-cv", "root-neac")
"""Trust anchors handed to software under test: the công vụ root and the NEAC-like root.
Which root ends a công vụ path is an open question (ND68 Art. 32 NOT FOUND); both are trusted,
the unrelated root never is."""



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


class Player(SigningSteps):
    """Plays scenarios on one testbed with the given signer and verifier."""

    def __init__(self, testbed: Testbed, signer: Signer, verifier: Verifier,
                 directory: Path, *, inspector: Inspector | None = None,
                 mutant_signers: dict[str, Signer] | None = None,
                 mutant_verifiers: dict[str, Verifier] | None = None,
                 story_signer: Signer | None = None, live_step: int | None = None,
                 live_at_wall_clock: bool = True, testbed_evidence: Path | None = None,
                 archiver: Archiver | None = None,
                 judged_steps: Collection[int] | None = None) -> None:
        """``inspector`` checks what a signer produced at a checkpoint. ``mutant_*`` are
        defective variants asked the same question at every checkpoint of their role, beside
        the story (their outputs never feed later steps): one pass yields the mutation table.
        ``testbed_evidence``: where the testbed's public part is published once played (a
        testbed built in the private runtime directory); the run index names it.
        ``archiver``: the archive tool ``extend`` steps ask (:mod:`.archival`).
        ``judged_steps``: the timeline indices whose checkpoints are judged (None: all); see
        :meth:`_judged`."""
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
        self.judged_steps = None if judged_steps is None else frozenset(judged_steps)
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

    def _judged(self, result: StepResult) -> bool:
        """Whether this step's checkpoint is judged in this run. A run that judges only some
        checkpoints (the cases of a SUT's roles, ``--only``) still plays every step the story
        needs, but does not inspect a signature no case asks about, nor ask for a verification
        whose answer no case reads (a verify step changes nothing later steps see)."""
        judged = self.judged_steps is None or result.index in self.judged_steps
        result.judged = judged
        return judged

    def _verify(self, step: Verify, result: StepResult) -> None:
        if not self._judged(result):
            return
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

