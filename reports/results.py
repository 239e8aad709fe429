"""The results of a conformance run: one versioned model, the only input of every renderer.

``kyso conform`` writes ``results.json`` in this shape; ``kyso report html|pdf|junit|diff`` only
read it. The JSON Schema (``reports/results.schema.json``) is generated from this model and
committed; a test fails when they drift. This package imports nothing from the rest of kyso, so
a results file can be rendered years later without the testbed.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bilingual import halves, say

from .reason_words import vietnamese_words

RESULTS_VERSION = 5
"""Version 2 added the findings of a case (:class:`Finding`) and their counts in the summary;
version 3 the Vietnamese of every reason (``reason_vi``); version 4 the shard a run is
(``run.shard``) and the shards a merged run was made of (``run.merged_from``); version 5 the
figures measured at a case (:class:`Figure`: the software's time, the CRL's size). Older files still
load and render: their reasons are put into Vietnamese on loading
(:mod:`reports.reason_words`)."""
SCHEMA_PATH = Path(__file__).resolve().parent / "results.schema.json"


class Verdict(StrEnum):
    """The conclusion on a case or a requirement."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    """The software gave no usable answer (hang, crash, garbage): nothing could be judged."""
    SKIPPED = "SKIPPED"
    """An optional capability the software declares unsupported (never a mandatory one)."""


class Severity(StrEnum):
    """What a deviation costs under the validation policy (EU DSS style)."""

    FAIL = "FAIL"
    WARNING = "WARNING"
    INFO = "INFO"
    IGNORE = "IGNORE"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Reasoned(_Model):
    """A model with a reason in English (``reason``) and in Vietnamese (``reason_vi``).

    Whoever builds one may give the Vietnamese; when it does not (an older results file, a
    reason no builder translated), the Vietnamese is made from the English here, once, so every
    renderer and every reader of the JSON finds both."""

    reason: str
    reason_vi: str = ""

    @model_validator(mode="before")
    @classmethod
    def _both_halves(cls, data: object) -> object:
        """A reason made by :func:`bilingual.say` gives each field its own half, whatever the
        language the run was in: the English field never holds Vietnamese."""
        if isinstance(data, dict) and not data.get("reason_vi"):
            said = halves(data.get("reason"))
            if said is not None:
                data = {**data, "reason": said[1], "reason_vi": said[0]}
        return data

    @model_validator(mode="after")
    def _vietnamese_reason(self) -> _Reasoned:
        if self.reason and not self.reason_vi:
            self.reason_vi = vietnamese_words(self.reason)
        return self


class Text(_Model):
    vi: str
    en: str


class SoftwareUnderTest(_Model):
    name: str
    vendor: str | None = None
    version: str | None = None
    profile: str | None = Field(default=None, description="Path of the SUT profile used.")
    profile_sha256: str | None = None


class Policy(_Model):
    name: str
    sha256: str | None = None


class ShardPlan(_Model):
    """This run is one shard of a run spread over machines (``kyso conform --shard K/N``): what
    ``kyso report merge`` checks before putting the shards back together."""

    index: int = Field(ge=1, description="K of --shard K/N (from 1).")
    count: int = Field(ge=1, description="N of --shard K/N.")
    only: list[str] = Field(description="The --only patterns the whole run was chosen by.")
    catalogue_sha256: str = Field(description="The scenario catalogue the split was made of.")
    scenarios: list[str] = Field(description="Every scenario of the whole run, in the run's "
                                 "order: the same in every shard of one run.")
    assigned: list[str] = Field(description="The scenarios this shard played.")
    selected_cases: int = Field(ge=0, description="The cases of the whole run, all shards.")


class ShardOrigin(_Model):
    """One shard a merged run was made of: which, where and when it ran."""

    index: int
    host: str
    platform: str
    started_at: datetime
    finished_at: datetime
    cases: int


class RunMetadata(_Model):
    kyso_version: str
    sut: SoftwareUnderTest
    policy: Policy
    roles: list[Literal["signer", "verifier"]]
    testbed_instant: datetime = Field(description="The simulated instant the run started at.")
    clock: Literal["argument", "system", "faketime"] | None = Field(
        default=None, description="How the software under test learned the time: 'argument' "
        "(the case's instant passed as {moment}), 'system' (its own clock: each checkpoint "
        "played on a timeline shifted to the real now), 'faketime' (its process run under "
        "libfaketime at the case's instant). Absent in files written before it was recorded.")
    isolation: str | None = Field(
        default=None, description="How the software under test was isolated: bubblewrap's "
        "namespaces and what it could see, or 'none (...)' with the reason (--no-isolation, a "
        "python adapter in kyso's process), or 'not applicable' for a service or a person. "
        "Absent in files written before it was recorded.")
    started_at: datetime
    finished_at: datetime
    host: str
    platform: str
    shard: ShardPlan | None = Field(
        default=None, description="Set when this run is one shard of a run spread over "
        "machines (kyso conform --shard K/N).")
    merged_from: list[ShardOrigin] = Field(
        default_factory=list, description="Set when this run was merged from shards (kyso "
        "report merge): each shard's index, host and time.")


class Evidence(_Model):
    path: str = Field(description="Relative to the results file's directory.")
    sha256: str
    kind: str = Field(description="input, output, stdout, stderr, command, crl, ocsp, trace, ...")


class FindingCategory(StrEnum):
    """Whether a finding is about the technical answer or about what the person is shown."""

    TECHNICAL = "technical"
    """The indication, the sub-indication, the document written, the format, the evidence,
    the warning asked for: what the software concluded and did."""
    DISPLAY = "display"
    """The Vietnamese result and each TT15-6.4.b field: what the person is shown."""


class Finding(_Reasoned):
    """One check of a case, judged on its own: a case has as many findings as its checks."""

    check: str = Field(description="What was checked: indication, sub-indication, result, "
                       "display:<field>, evidence, warning, output, ...")
    category: FindingCategory
    requirements: list[str] = Field(description="The requirements this check evidences.")
    expected: str
    actual: str
    verdict: Verdict = Field(description="PASS or FAIL.")
    severity: Severity = Field(default=Severity.INFO, description="What it costs under the "
                               "policy: a FAIL the policy's rating of its requirements; a PASS "
                               "INFO, or WARNING when it carries a note.")
    reason: str = Field(default="", description="Why it failed, or the note on a pass.")
    reason_vi: str = Field(default="", description="The reason in Vietnamese (made from the "
                           "English when not given).")


class Figure(_Model):
    """A quantity measured at a case, shown beside it and never judged: a verdict must not
    depend on how fast (or how busy) the machine was."""

    name: str = Field(description="sut-seconds: how long the software took to answer (wall "
                      "clock, its start included); crl-entries, crl-bytes: the size of the CRL "
                      "it had to read (of the signer's issuing CA, as served at the case).")
    value: float
    unit: str = Field(description="s, entries, bytes")
    about: str = Field(default="", description="What is measured when not the software: the "
                       "CRL's authority (ca-cv).")


class CaseResult(_Reasoned):
    id: str = Field(description="role::family::kebab-name")
    title: Text
    requirements: list[str]
    expected: str
    actual: str
    verdict: Verdict
    severity: Severity = Field(default=Severity.FAIL,
                               description="What a deviation costs under the policy.")
    reason: str = Field(description="Why this verdict, in words (never empty).")
    reason_vi: str = Field(default="", description="The reason in Vietnamese (made from the "
                           "English when not given).")
    judged_at: datetime = Field(description="The testbed instant the case was judged at.")
    duration_seconds: float
    evidence: list[Evidence] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="Every check of the case, each with its verdict; "
        "the case's verdict is the worst of them after the policy (empty in version 1 files, "
        "and for a case that could not be judged).")
    figures: list[Figure] = Field(
        default_factory=list, description="What was measured at the case (version 5): shown, "
        "never judged.")


class RequirementResult(_Model):
    id: str
    clause: str
    confidence: str
    level: str
    statement: Text
    verdict: Verdict
    cases: list[str]


class Summary(_Model):
    cases: dict[Verdict, int]
    requirements: dict[Verdict, int]
    mandatory_failures: list[str] = Field(description="IDs of mandatory requirements that "
                                          "failed: what a Sở KH&CN officer reads first.")
    findings: dict[FindingCategory, dict[Verdict, int]] = Field(
        default_factory=dict, description="Findings counted by category (technical, display) "
        "and verdict: the technical verdict apart from what the person is shown.")


class Results(_Model):
    version: Literal[1, 2, 3, 4, 5] = RESULTS_VERSION
    run: RunMetadata
    cases: list[CaseResult]
    requirements: list[RequirementResult]
    summary: Summary


class ResultsFileError(Exception):
    """A results file that cannot be read; one line naming the file and the field."""


def load_results(path: Path) -> Results:
    try:
        return Results.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ResultsFileError(say(f"{path}: không đọc được ({error.strerror})",
                                   f"{path}: cannot read ({error.strerror})")) from None
    except ValidationError as error:
        detail = error.errors()[0]
        where = ".".join(str(part) for part in detail["loc"])
        raise ResultsFileError(f"{path}: {where or 'file'}: {detail['msg']}") from None


def schema_text() -> str:
    schema = Results.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kyso.invalid/results.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
