"""Writes ``scenarios/scenario.schema.json`` from the model (the model is the source of truth).

Run ``python -m scenarios.schema`` after changing :mod:`scenarios.model` or
:mod:`scenarios.checkpoints`; a test fails when the committed schema and the model disagree.
"""

from __future__ import annotations

import json
from pathlib import Path

from bilingual import say

from .model import Scenario

SCHEMA_PATH = Path(__file__).resolve().parent / "scenario.schema.json"


def schema_text() -> str:
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://kyso.invalid/scenario.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    print(say(f"đã ghi {SCHEMA_PATH}", f"wrote {SCHEMA_PATH}"))


if __name__ == "__main__":
    main()
