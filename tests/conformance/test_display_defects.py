"""The display defects: a verifier whose verdict is right but which shows one TT15-6.4.b field
wrongly (the issuer, the managing unit, the integrity, the validity period) is caught by the
display check of that field, and by nothing else. Played on the tampering story (a valid,
a tampered and an allowed-change document), real testbed, real services."""

from __future__ import annotations

import pytest

from conformance.reference.defects import Defect, DefectiveVerifier
from conformance.scenario_runs import play
from scenarios import Judgement, find_scenario, load_scenario
from scenarios.outcomes import DisplayField

FIELD_OF = {
    Defect.SUBJECT_AS_ISSUER: DisplayField.ISSUER,
    Defect.OU_ONLY_MANAGING_UNIT: DisplayField.MANAGING_UNIT,
    Defect.SIGNED_BYTES_INTEGRITY: DisplayField.INTEGRITY,
    Defect.VALIDITY_END_ONLY: DisplayField.CERTIFICATE_VALIDITY,
}


@pytest.fixture(scope="module")
def caught(tmp_path_factory: pytest.TempPathFactory) -> dict[Defect, dict[str, Judgement]]:
    """Defect → checkpoint → its judgement, where the reference passed."""
    run = play(load_scenario(find_scenario("tampering")), tmp_path_factory.mktemp("display"),
               mutant_verifiers={defect.value: DefectiveVerifier(defect) for defect in FIELD_OF})
    table: dict[Defect, dict[str, Judgement]] = {defect: {} for defect in FIELD_OF}
    for step in run.checkpoints:
        assert step.judgement is not None and step.judgement.passed, step.checkpoint
        for name, judgement in step.mutants.items():
            assert isinstance(judgement, Judgement)
            # the verdict is the reference's: the indication and sub-indication
            assert judgement.actual == step.judgement.actual, (name, step.checkpoint)
            table[Defect(name)][str(step.checkpoint)] = judgement
    return table


@pytest.mark.parametrize("defect", list(FIELD_OF), ids=lambda defect: defect.value)
def test_only_the_display_check_of_its_field_catches_it(
        defect: Defect, caught: dict[Defect, dict[str, Judgement]]) -> None:
    field = FIELD_OF[defect]
    failed = {checkpoint: judgement for checkpoint, judgement in caught[defect].items()
              if not judgement.passed}
    assert failed, f"{defect.value} is caught nowhere"
    for checkpoint, judgement in failed.items():
        # one problem, about its field: every other check (indication, result, the other six
        # fields, evidence) is passed
        assert judgement.reason.startswith(f"display: {field.value}: "), (checkpoint,
                                                                          judgement.reason)
        others = [f"; {other.value}: " for other in DisplayField if other is not field]
        assert not any(other in judgement.reason for other in others), judgement.reason


def test_signed_bytes_integrity_is_caught_where_the_document_changed_after_signing(
        caught: dict[Defect, dict[str, Judgement]]) -> None:
    judgements = caught[Defect.SIGNED_BYTES_INTEGRITY]
    assert not judgements["verify-content-changed-by-update"].passed
    assert "the document was changed after signing: content-update" in \
        judgements["verify-content-changed-by-update"].reason
    # where the digest itself fails, or the change was an allowed form fill, it says the truth
    assert judgements["verify-byte-changed"].passed
    assert judgements["verify-allowed-form-fill"].passed


def test_the_other_fields_are_caught_at_every_checkpoint(
        caught: dict[Defect, dict[str, Judgement]]) -> None:
    for defect in (Defect.SUBJECT_AS_ISSUER, Defect.OU_ONLY_MANAGING_UNIT,
                   Defect.VALIDITY_END_ONLY):
        assert all(not judgement.passed for judgement in caught[defect].values()), defect
