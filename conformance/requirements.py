"""The legal requirement catalogue (``requirements.yaml``) as validated data.

Every checkpoint of every scenario names requirement IDs; this module is where those IDs mean
something: the clause, how sure we are of its text (VERIFIED … NOT-FOUND), the regimes it binds,
its level (mandatory / recommended / optional / informational), the roles, a statement in
Vietnamese and English in our own words, and our interpretation where the law is ambiguous.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from bilingual import say
from scenarios import REQUIREMENT_ID
from testbed import InvalidInputError

from .data_files import first_problem, read_yaml

CATALOGUE_PATH = Path(__file__).resolve().parent / "requirements.yaml"


class Confidence(StrEnum):
    VERIFIED = "VERIFIED"
    VERIFIED_TRANSCRIPT = "VERIFIED-TRANSCRIPT"
    SECONDARY = "SECONDARY"
    NOT_FOUND = "NOT-FOUND"


class Level(StrEnum):
    MANDATORY = "mandatory"
    RECOMMENDED = "recommended"
    OPTIONAL = "optional"
    INFORMATIONAL = "informational"


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    vi: str
    en: str


class Requirement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    clause: str
    confidence: Confidence
    regimes: list[Literal["public", "cong-vu", "state-doc"]] = Field(min_length=1)
    level: Level
    roles: list[Literal["signer", "verifier"]] = Field(min_length=1)
    statement: Text
    interpretation: Text | None = None

    @field_validator("id")
    @classmethod
    def _shape(cls, value: str) -> str:
        if not REQUIREMENT_ID.match(value):
            raise ValueError(f"'{value}' " + say("không phải mã yêu cầu dạng TT15-6.1.c",
                                                 "is not a requirement ID like TT15-6.1.c"))
        return value


class CatalogueError(InvalidInputError):
    """The catalogue file is broken (one line: file, entry, field)."""


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Requirement]:
    _, data = read_yaml(path, CatalogueError)
    try:
        entries = TypeAdapter(list[Requirement]).validate_python(data)
    except ValidationError as error:
        where, message = first_problem(error)
        raise CatalogueError(f"{path}: [{where}]: {message}") from None
    catalogue: dict[str, Requirement] = {}
    for entry in entries:
        if entry.id in catalogue:
            raise CatalogueError(f"{path}: {entry.id}: " + say("được liệt kê hai lần",
                                                               "listed twice"))
        catalogue[entry.id] = entry
    return catalogue


@cache
def catalogue() -> dict[str, Requirement]:
    """The shipped catalogue, loaded once."""
    return load_catalogue()


def clause_sort_key(requirement_id: str) -> tuple[tuple[int, int, str], ...]:
    """TT15-5.1.a < TT15-5.2.b < TT15-6.1.a < TT15-PL1-1.2, numbers compared as numbers."""
    return tuple((1, 0, part) if not part.isdigit() else (0, int(part), "")
                 for part in re.split(r"[-.]", requirement_id))
