"""``[display.result_phrases]`` of a SUT profile: the result phrases the vendor says its product
shows, by what each one says.

kyso reads Vietnamese result text with built-in rules (:mod:`scenarios.vietnamese`: "Ký số thành
công", "Chữ ký không hợp lệ", "Mất tính toàn vẹn", ...). A product may word its result in a way
no rule foresees ("Hoàn tất", "Tác vụ bị dừng"); its vendor declares such phrases here. Each one
must be Vietnamese written with its diacritics, and must not be read by the built-in rules as
the opposite, or the profile is refused with one line naming the field. While the SUT's cases
are judged the declared phrases are looked for first, and the report says when a result was
read with one ("read with a phrase declared by the vendor").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scenarios import DeclaredPhrases, Integrity, MessageClass, SignerOutcome, vietnamese_problem

_MEANINGS: dict[str, SignerOutcome | MessageClass | Integrity] = {
    "signed": SignerOutcome.SIGNED, "not_signed": SignerOutcome.REFUSED,
    "valid": MessageClass.VALID, "invalid": MessageClass.INVALID,
    "indeterminate": MessageClass.INDETERMINATE,
    "intact": Integrity.INTACT, "not_intact": Integrity.NOT_INTACT,
}


def _phrases(what: str) -> Any:
    return Field(default_factory=list, description=f"Phrases that tell a person {what}.")


class ResultPhrases(BaseModel):
    """``[display.result_phrases]``: the product's own result phrases, in Vietnamese."""

    model_config = ConfigDict(extra="forbid")

    signed: list[str] = _phrases("the document was signed (TT15-5.6.b 'đã ký')")
    not_signed: list[str] = _phrases("the document was not signed (TT15-5.6.b 'chưa ký')")
    valid: list[str] = _phrases("the signature is valid (TT15-6.4.a)")
    invalid: list[str] = _phrases("the signature is not valid (TT15-6.4.a)")
    indeterminate: list[str] = _phrases("the signature's validity cannot be determined")
    intact: list[str] = _phrases("the document is intact (TT15-6.4.b integrity)")
    not_intact: list[str] = _phrases("the document is not intact (TT15-6.4.b integrity)")

    @model_validator(mode="after")
    def _vietnamese(self) -> ResultPhrases:
        for name, meaning in _MEANINGS.items():
            for index, phrase in enumerate(getattr(self, name)):
                problem = vietnamese_problem(phrase, meaning)
                if problem is not None:
                    raise ValueError(f"display.result_phrases.{name}[{index}]: {problem}")
        return self

    def declared(self) -> DeclaredPhrases:
        """The phrases, as the readers take them."""
        return DeclaredPhrases(
            signing=tuple([(p, SignerOutcome.SIGNED) for p in self.signed]
                          + [(p, SignerOutcome.REFUSED) for p in self.not_signed]),
            verification=tuple([(p, MessageClass.VALID) for p in self.valid]
                               + [(p, MessageClass.INVALID) for p in self.invalid]
                               + [(p, MessageClass.INDETERMINATE) for p in self.indeterminate]),
            integrity=tuple([(p, Integrity.INTACT) for p in self.intact]
                            + [(p, Integrity.NOT_INTACT) for p in self.not_intact]))


class SutDisplay(BaseModel):
    """``[display]``: what the product shows a person, as its vendor declares it."""

    model_config = ConfigDict(extra="forbid")

    result_phrases: ResultPhrases = Field(
        default_factory=ResultPhrases,
        description="The product's own result phrases (read before kyso's built-in rules).")
