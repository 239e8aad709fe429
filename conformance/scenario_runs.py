"""``kyso scenario list|show|run``: stories played on a fresh testbed with the reference tools.

A run gets its own directory (``--keep DIR``, or a temporary one removed afterwards unless the
run fails): the testbed, every artifact and ``index.json``. The exit code follows the root
command's map: 0 all checkpoints passed, 1 some failed.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path

from bilingual import say
from conformance.reference.inspection import OracleInspector
from conformance.reference.roles import ReferenceArchiver, ReferenceSigner, ReferenceVerifier
from scenarios import (
    Player,
    Scenario,
    ScenarioRun,
    Sign,
    Signer,
    Verifier,
    Verify,
    catalogue_paths,
    find_variant,
    format_run,
    format_variants,
    load_scenario,
    played_format,
    variant,
)
from testbed import (
    InvalidInputError,
    KeyType,
    parse_instant,
    publish_testbed,
    running_testbed,
)


def play(scenario: Scenario, directory: Path, *, signer: Signer | None = None,
         verifier: Verifier | None = None, mutant_signers: dict[str, Signer] | None = None,
         mutant_verifiers: dict[str, Verifier] | None = None,
         live_step: int | None = None, live_at_wall_clock: bool = True,
         private: Path | None = None, judged_steps: Collection[int] | None = None
         ) -> ScenarioRun:
    """Play ``scenario`` on a fresh testbed in ``directory/testbed``; signing checkpoints are
    inspected with the oracle; mutants (defective variants) are asked at every checkpoint.
    ``live_step``: only that checkpoint asks, at the wall clock unless ``live_at_wall_clock``
    is False (:mod:`..system_clock`). ``private``: the testbed is built in ``private/testbed``
    instead (a place in the run's private runtime directory, :func:`testbed.runtime_directory`)
    and only its public part is published to ``directory/testbed`` once played, then the
    private copy removed: its keys, PINs and token store never enter ``directory``.
    ``judged_steps``: the timeline indices of the checkpoints to judge (a run's cases); the
    others are played as the story needs, not judged (None: every checkpoint)."""
    scenario = variant(scenario, played_format(scenario))  # its first format's steps only
    directory.mkdir(parents=True, exist_ok=True)
    start = parse_instant(scenario.start, field="start") if scenario.start else None
    published = directory / "testbed"
    place = published if private is None else private / "testbed"
    try:
        with running_testbed(place, at=start,
                             service_key=KeyType(scenario.service_key)) as testbed:
            if start is None:
                testbed.set_clock(testbed.now())
            player = Player(testbed, signer or ReferenceSigner(),
                            verifier or ReferenceVerifier(), directory / "run",
                            inspector=OracleInspector(testbed), mutant_signers=mutant_signers,
                            mutant_verifiers=mutant_verifiers, story_signer=ReferenceSigner(),
                            live_step=live_step, live_at_wall_clock=live_at_wall_clock,
                            testbed_evidence=published, archiver=ReferenceArchiver(),
                            judged_steps=judged_steps)
            return player.play(scenario)
    finally:
        if private is not None:
            publish_testbed(place, published)
            shutil.rmtree(place, ignore_errors=True)


def checkpoint_count(number: int) -> str:
    """``N điểm kiểm tra / N checkpoint(s)``, Vietnamese first, the English plural right
    (Vietnamese has none), padded so the titles after it line up."""
    english = "checkpoint" if number == 1 else "checkpoints"
    return f"{number:2} điểm kiểm tra / {number} {english:11}"


def run_scenario_command(arguments: argparse.Namespace) -> int:
    if arguments.action == "list":
        for path in catalogue_paths():
            for played in format_variants(load_scenario(path)):
                print(f"{played.id:36} {checkpoint_count(len(played.checkpoints()))}  "
                      f"{played.title.vi}")
        return 0
    scenario = find_variant(arguments.name)
    if arguments.action == "show":
        print(f"{scenario.id}: {scenario.title.vi} / {scenario.title.en}")
        print(f"  {scenario.description.vi}\n  {scenario.description.en}")
        for index, step in enumerate(scenario.timeline):
            marker = ""
            if isinstance(step, Sign | Verify) and step.checkpoint is not None:
                marker = f"  «{step.checkpoint.id}» {', '.join(step.checkpoint.requirements)}"
            print(f"  [{step.at:>6}] {step.do}"
                  f"{' ' + getattr(step, 'actor', '') if getattr(step, 'actor', None) else ''}"
                  f"{marker}")
            del index
        return 0
    keep: Path | None = arguments.keep
    if keep is not None and keep.exists() and any(keep.iterdir()):
        raise InvalidInputError(say(f"--keep: {keep} không trống; hãy chọn một thư mục mới",
                                    f"--keep: {keep} is not empty; choose a new directory"))
    signer = verifier = None
    if arguments.sut is not None:
        from conformance.sut.adapters import build_roles
        from conformance.sut.profile import load_profile

        profile = load_profile(arguments.sut)
        sut_signer, sut_verifier = build_roles(profile)
        signer = sut_signer if "signer" in profile.roles else None
        verifier = sut_verifier if "verifier" in profile.roles else None
    directory = keep or Path(tempfile.mkdtemp(prefix=f"kyso-{scenario.id}-"))
    run = play(scenario, directory, signer=signer, verifier=verifier)
    print(format_run(run))
    if keep is None and run.passed:
        shutil.rmtree(directory, ignore_errors=True)
        print(say("(đã xóa thư mục chạy; --keep DIR giữ lại testbed và các tệp kết quả)",
                  "(run directory removed; --keep DIR keeps the testbed and artifacts)"))
    return 0 if run.passed else 1
