"""What every scenario-file model shares: strictness, bilingual text, kebab-case IDs.

Every model of a scenario file is frozen and rejects unknown keys (a misspelt key is an error
with its file and line, never silently ignored). Texts a person reads come in Vietnamese first,
English alongside. Scenario, actor and checkpoint IDs are kebab-case.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

SCENARIO_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
"""Scenario IDs, actor names and checkpoint IDs: kebab-case, 2 to 63 characters."""


class StrictModel(BaseModel):
    """Frozen; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(StrictModel):
    """A text in Vietnamese first, English alongside."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)
