"""The manual kit round-trips: export, fill results.csv with the reference verifier's answers,
import → the same verdicts as the automated run of the same cases."""

from __future__ import annotations

import csv
from pathlib import Path

from conformance.kit import export, import_into
from conformance.runner import RunOptions, conform
from reports.results import Verdict
from scenarios.outcomes import DisplayField, Indication

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
ONLY = ("*revoked-after-signing*", "*organisation-seal*", "*tampering::verify-byte*")
WORDS = {Indication.TOTAL_PASSED: "hợp lệ", Indication.TOTAL_FAILED: "không hợp lệ",
         Indication.INDETERMINATE: "không xác định"}


def test_kit_round_trip_gives_the_automated_verdicts(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    answers = export(EXAMPLES / "manual.toml", kit, ONLY)
    assert (kit / "checklist.md").exists() and (kit / "results.csv").exists()
    rows = list(csv.DictReader((kit / "results.csv").open(encoding="utf-8-sig")))
    assert {row["case_id"] for row in rows} == set(answers)
    for row in rows:  # the tester copies what the (reference) program shows
        answer = answers[row["case_id"]]
        signature = answer.signatures[-1] if "seal::verify-seal" in row["case_id"] \
            else answer.signatures[0]
        row["result"] = WORDS[signature.indication]
        row["result_text"] = signature.display.get("result", "")
        for field in DisplayField:
            row[field.value] = signature.display.get(field.value, "")
    with (kit / "results.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    manual = import_into(EXAMPLES / "manual.toml", kit / "results.csv", tmp_path / "manual",
                         progress=lambda line: None)
    automated = conform(RunOptions(EXAMPLES / "reference-python.toml", tmp_path / "auto",
                                   only=tuple(answers)), progress=lambda line: None)
    manual_verdicts = {case.id: case.verdict for case in manual.cases}
    automated_verdicts = {case.id: case.verdict for case in automated.cases
                          if case.id in manual_verdicts}
    assert manual_verdicts == automated_verdicts
    assert set(manual_verdicts.values()) == {Verdict.PASS}


def test_evidence_columns_reach_the_answer_and_old_kits_still_import(tmp_path: Path) -> None:
    from conformance.sut.process.manual_kit import REQUIRED_COLUMNS, import_results

    kit = tmp_path / "kit"
    kit.mkdir()
    (kit / "kit.json").write_text('{"version": 1, "cases": [{"case_id": "verifier::s::c", '
                                  '"role": "verify"}]}', encoding="utf-8")
    (kit / "evidence").mkdir()
    (kit / "evidence" / "cert.der").write_bytes(b"x")
    row = dict.fromkeys(REQUIRED_COLUMNS, "")
    row.update(case_id="verifier::s::c", role="verify", result="hợp lệ")
    for columns, extra in ((REQUIRED_COLUMNS, {}),
                           ([*REQUIRED_COLUMNS, "evidence_certificate"],
                            {"evidence_certificate": "evidence/cert.der"})):
        with (kit / "results.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerow({**row, **extra})
        answer = import_results(kit / "results.csv")["verifier::s::c"]
        expected = {"certificate": str(kit / "evidence" / "cert.der")} if extra else {}
        assert answer.evidence == expected


def test_a_kit_record_is_checked_field_by_field_against_the_truth(tmp_path: Path) -> None:
    """The display a tester copies into results.csv is held to the seven TT15-6.4.b fields like
    an automated answer: a managing unit naming the CA fails, and only TT15-6.4.b."""
    kit = tmp_path / "kit"
    answers = export(EXAMPLES / "manual.toml", kit, ("*tampering::verify-allowed*",))
    rows = list(csv.DictReader((kit / "results.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 1
    signature = answers[rows[0]["case_id"]].signatures[0]
    rows[0].update(result="hợp lệ", result_text=signature.display["result"],
                   **{field.value: signature.display[field.value] for field in DisplayField})
    rows[0][DisplayField.MANAGING_UNIT.value] = signature.display[DisplayField.ISSUER.value]
    with (kit / "results.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    results = import_into(EXAMPLES / "manual.toml", kit / "results.csv", tmp_path / "manual",
                          progress=lambda line: None)
    [case] = results.cases
    assert case.verdict is Verdict.FAIL
    assert case.reason.startswith("display: managing_unit: "), case.reason
    assert {row.id for row in results.requirements if row.verdict is Verdict.FAIL} == \
        {"TT15-6.4.b"}
