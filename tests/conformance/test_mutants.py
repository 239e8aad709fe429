"""Testing the tester: the reference tools pass every checkpoint, and every defective variant
is caught by at least one checkpoint of the catalogue.

The whole catalogue is played with every defect ONCE for this module (the table fixture: about a
third of the suite's time), and each test reads its part of that one table; the stories'
own tests look only at their stories' checkpoints."""

from __future__ import annotations

import os

import pytest

from conformance.cases import all_cases
from conformance.mutants import MutationTable, mutation_table, progress_line
from conformance.reference.defects import Defect
from scenarios.loader import catalogue_paths, find_scenario, load_scenario


@pytest.fixture(scope="module")
def progress() -> list[str]:
    return []


@pytest.fixture(scope="module")
def table(progress: list[str]) -> MutationTable:
    """The whole catalogue's table, two scenarios at a time where there are two cores (this
    file starts first under ``make test``, so the other files fill the cores meanwhile)."""
    return mutation_table(progress=progress.append, jobs=min(2, os.cpu_count() or 1))


def _of(table: MutationTable, scenario: str) -> dict[Defect, list[str]]:
    """The table restricted to one story's checkpoints."""
    prefix = f"{scenario}::"
    return {defect: [c for c in caught if c.startswith(prefix)]
            for defect, caught in table.caught.items()}


def test_every_defect_is_caught_and_the_reference_passes_everything(
        table: MutationTable) -> None:
    assert not table.reference_failures, table.render()
    assert not table.uncaught, table.render()
    # spot checks that the right checkpoints do the catching
    assert "untrusted-roots::verify-unrelated-root" in table.caught[Defect.ANY_ROOT]
    assert "tampering::verify-byte-changed" in table.caught[Defect.SKIP_INTEGRITY]
    assert "revocation-outage::sign-status-unobtainable-warns" in \
        table.caught[Defect.NO_STATUS_WARNING]
    assert "organisation-seal::sign-seal-after-personal" in \
        table.caught[Defect.DROPS_EARLIER_SIGNATURES]
    assert "wrong-pin::sign-refused-wrong-pin" in table.caught[Defect.IGNORES_PIN_ERROR]
    assert "happy-path::sign-b-t" in table.caught[Defect.FOREIGN_TSA]
    assert "pdf-attacks::verify-signature-wrapping" in \
        table.caught[Defect.IGNORE_BYTE_RANGE_COVERAGE]
    assert "certification-attacks::verify-sneaky-signature" in table.caught[Defect.IGNORE_DOCMDP]
    assert "certification-attacks::verify-certified-p2-form-fill" in \
        table.caught[Defect.CERTIFICATION_FORBIDS_ALL]
    assert "certification-levels::verify-certified-p3-comment" in \
        table.caught[Defect.CERTIFICATION_FORBIDS_COMMENTS]
    assert "happy-path::sign-b-t" in table.caught[Defect.NO_TIMESTAMP]
    assert {"happy-path::sign-b-b", "happy-path::sign-b-t"} <= \
        set(table.caught[Defect.PKCS7_SUBFILTER])
    assert "state-document-appearance::sign-agency-appearance-iso-time" in \
        table.caught[Defect.LOCAL_APPEARANCE]
    assert "cross-regime-certificates::verify-cong-vu-certificate-in-public" in \
        table.caught[Defect.ANY_ROOT]
    assert "cross-regime-certificates::verify-public-certificate-in-cong-vu" in \
        table.caught[Defect.ANY_ROOT]
    assert "archive-ten-years::verify-b-lt-five-years-offline" in \
        table.caught[Defect.IGNORE_EMBEDDED_DATA]
    assert "archive-timestamp-renewal::verify-renewed-after-tsa-expiry" in \
        table.caught[Defect.IGNORE_ARCHIVE_TIMESTAMPS]
    assert "archive-ten-years::sign-archival-b-lt" in \
        table.caught[Defect.INCOMPLETE_VALIDATION_DATA]
    assert "archive-ten-years::sign-archival-b-lta" in table.caught[Defect.NO_ARCHIVE_TIMESTAMP]

    # and every case is failed by at least one defective variant of its role
    caught_checkpoints = {checkpoint for defect, checkpoints in table.caught.items()
                          for checkpoint in checkpoints}
    uncaught = [case.id for case in all_cases()
                if f"{case.scenario}::{case.checkpoint}" not in caught_checkpoints]
    assert not uncaught, uncaught


def test_certification_levels_catch_their_defects(table: MutationTable,
                                                 progress: list[str]) -> None:
    """The certification-levels story: the reference passes it; the P=3 comment case catches
    the verifier that reads every certification as forbidding comments, and only that case of
    the story does; each checkpoint catches some defect."""
    assert not table.reference_failures, table.render()
    mine = _of(table, "certification-levels")
    # one progress line per story, in the order they finished ("[k/N] story: ...")
    assert len(progress) == len(catalogue_paths())
    told = progress_line(1, 1, "certification-levels",
                         sum(1 for checkpoints in mine.values() if checkpoints))
    assert told.split("] ", 1)[1] in [line.split("] ", 1)[1] for line in progress]
    assert mine[Defect.CERTIFICATION_FORBIDS_COMMENTS] == \
        ["certification-levels::verify-certified-p3-comment"]
    assert "certification-levels::verify-certified-p3-comment" in \
        mine[Defect.CERTIFICATION_FORBIDS_ALL]
    for changed in ("p3-content-change", "p2-content-change", "p2-comment"):
        assert f"certification-levels::verify-certified-{changed}" in \
            mine[Defect.ACCEPT_INCREMENTAL_UPDATES]
    caught = {checkpoint for checkpoints in mine.values() for checkpoint in checkpoints}
    assert caught == {f"certification-levels::{checkpoint}" for checkpoint in (
        "verify-certified-p3-comment", "verify-certified-p3-cosigned",
        "verify-certified-p3-content-change", "verify-certified-p2-content-change",
        "verify-certified-p2-comment", "verify-evil-annotation-under-p3")}


ARCHIVAL_STORIES = ("archive-ten-years", "archive-timestamp-renewal", "extended-after-revocation")


def test_archival_stories_catch_their_defects(table: MutationTable) -> None:
    """The archival stories (issue 20, item 4): the reference passes them, each of the four
    archival defects is caught by the case written for it, and every archival checkpoint
    catches some defect."""
    assert not table.reference_failures, table.render()
    caught = {defect: [c for name in ARCHIVAL_STORIES for c in _of(table, name)[defect]]
              for defect in table.caught}
    assert {"archive-ten-years::verify-b-lt-five-years-offline",
            "archive-ten-years::verify-b-lta-ten-years-offline",
            "extended-after-revocation::verify-extended-after-revocation-offline"} <= \
        set(caught[Defect.IGNORE_EMBEDDED_DATA])
    assert {"archive-ten-years::verify-b-lta-ten-years-offline",
            "archive-timestamp-renewal::verify-renewed-after-tsa-expiry"} <= \
        set(caught[Defect.IGNORE_ARCHIVE_TIMESTAMPS])
    assert {"archive-ten-years::sign-archival-b-lt", "archive-ten-years::sign-archival-b-lta"} \
        <= set(caught[Defect.INCOMPLETE_VALIDATION_DATA])
    assert caught[Defect.NO_ARCHIVE_TIMESTAMP] == ["archive-ten-years::sign-archival-b-lta"]
    for name in ARCHIVAL_STORIES:
        scenario = load_scenario(find_scenario(name))
        checkpoints = {f"{name}::{step.checkpoint.id}" for _, step in scenario.checkpoints()
                       if step.checkpoint is not None}
        assert checkpoints <= {c for found in caught.values() for c in found}, name


def test_the_progress_line_counts_the_scenario_and_its_catches() -> None:
    assert progress_line(3, 31, "certification-levels", 2) == \
        "[3/31] certification-levels: bắt được 2 lỗi / 2 defects caught"
    assert progress_line(1, 1, "x", 1).endswith("1 defect caught")
