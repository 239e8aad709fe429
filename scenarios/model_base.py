"""What every scenario-file model shares: strictness, bilingual text, kebab-case IDs.

Every model of a scenario file is frozen and rejects unknown keys (a misspelt key is an error
with its file and line, never silently ignored). Texts a person reads come in Vietnamese first,
English alongside. Scenario, actor and checkpoint IDs are kebab-case.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bilingual import say

SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""Scenario IDs, actor names and checkpoint IDs: kebab-case, 2 to 63 characters."""


def _kebab_case(value: str) -> str:
    if not SCENARIO_ID.match(value):
        raise ValueError(say(f"'{value}' không viết kebab-case (a-z, 0-9, '-')",
                             f"'{value}' is not kebab-case (a-z, 0-9, '-')"))
    return value


KebabId = Annotated[str, AfterValidator(_kebab_case)]
"""A scenario or checkpoint ID: kebab-case (a-z, 0-9, '-'), checked where it is read."""


class StrictModel(BaseModel):
    """Frozen; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(StrictModel):
    """A text in Vietnamese first, English alongside."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)
