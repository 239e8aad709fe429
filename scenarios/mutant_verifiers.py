"""The defective verifiers asked beside the story at a verification checkpoint (``kyso
mutants``): the same question as the verifier under test, each in its own shadow folder.

They are asked inside :func:`~scenarios.roles.one_checkpoint`: the world stands still while
they answer, so the variants that start from the same reference verification share it instead
of validating the same document against the same testbed twenty times over.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .display import SignatureTruth
from .judge import judge_verification
from .model import Verify
from .roles import NoAnswer, Verifier, VerifyRequest, one_checkpoint
from .scenario_run import StepResult


def ask_mutant_verifiers(mutants: dict[str, Verifier], step: Verify, request: VerifyRequest,
                         truth: SignatureTruth | None, signer: bytes | None, run_dir: Path,
                         result: StepResult) -> None:
    """Each mutant's judged answer (or its silence) into ``result.mutants``."""
    if request.workdir is None:
        return
    with one_checkpoint():
        for name, mutant in mutants.items():
            shadow_dir = run_dir / "mutants" / name / request.workdir.name
            shadow_dir.mkdir(parents=True, exist_ok=True)
            try:
                result.mutants[name] = judge_verification(
                    step.expect, mutant.verify(replace(request, workdir=shadow_dir)), truth,
                    shadow_dir, signer)
            except NoAnswer as silence:
                result.mutants[name] = silence
