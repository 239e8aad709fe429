"""The player's sign steps: a signer (under test, the story's, or the testbed's fixtures)
signs a document, and at a checkpoint the output is judged and inspected.

A mixin of :class:`scenarios.player.Player`, kept apart because signing is the player's largest
concern: what the signer is handed, what becomes of its answer, and when the story signer
steps in so that later checkpoints of other roles can still be played.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bilingual import say
from testbed import Testbed, TokenRecord, WorldState, sign_fixture

from .findings import technical
from .formats import artifact_path
from .judge import Judgement, judge_signing
from .model import Scenario, Sign, resolve_instant
from .outcomes import SignatureFormat, SignerAnswer, SignerOutcome
from .pins import wrong_pin_file
from .roles import Inspector, NoAnswer, Signer, SignRequest
from .scenario_run import StepResult


class StepError(Exception):
    """A step that could not be played (not a checkpoint's failure: the story broke)."""


class SigningSteps:
    """Sign steps, for :class:`scenarios.player.Player` (whose attributes these are)."""

    testbed: Testbed
    signer: Signer
    story_signer: Signer | None
    inspector: Inspector | None
    mutant_signers: dict[str, Signer]
    directory: Path
    format: SignatureFormat
    _artifacts: dict[str, Path]
    _contents: dict[str, Path]

    def _artifact(self, name: str) -> Path:  # pragma: no cover - Player's
        raise NotImplementedError

    def trust_roots(self, labels: list[str] | None = None) -> list[Path]:  # pragma: no cover
        raise NotImplementedError

    def _judged(self, result: StepResult) -> bool:  # pragma: no cover - Player's
        raise NotImplementedError

    def _record_signing(self, step: Sign, certificate: str, claimed: datetime | None
                        ) -> None:  # pragma: no cover - Player's
        raise NotImplementedError

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
            if self._judged(result):
                result.judgement = self._judge_signing(step, request, answer, produced)
            if not produced and step.expect.outcome != "refused" \
                    and self.story_signer is not None:
                self._keep_story_going(step, request, result)
            for name, mutant in self.mutant_signers.items() if self._judged(result) else ():
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
