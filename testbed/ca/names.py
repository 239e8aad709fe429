"""Vietnamese distinguished names, as Vietnamese CAs write them, with a visible TEST marker.

Vietnamese practice (public and công vụ CAs alike) puts the person or unit in CN, the position in
title, the agency in O / OU, the province in L, ``C=VN``, and an identifier of the person or
organisation in the UID attribute (``CCCD:`` citizen ID, ``MST:`` tax code, ...). Every value is a
UTF8String, so diacritics survive; asn1crypto builds the Name, we only choose the attributes.

Every name the testbed makes carries "TEST" in its CN (and O when there is one), so nobody can
mistake a testbed certificate for a real one.
"""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, ConfigDict, Field

from bilingual import say

from ..errors import InvalidInputError

TEST_MARKER = "TEST"
UPPER_BOUNDS = {"common_name": 64, "title": 64, "organization_name": 64,
                "organizational_unit_name": 64, "locality_name": 128, "user_id": 256}
"""RFC 5280 Appendix A upper bounds (ub-common-name etc.), in characters."""


def _with_marker(value: str) -> str:
    return value if TEST_MARKER in value else f"{TEST_MARKER} {value}"


class VietnameseName(BaseModel):
    """The subject (or issuer) name of a certificate, field by field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    common_name: str = Field(description="CN: the person's full name, or the unit / CA name.")
    title: str | None = Field(default=None, description="Position (chức vụ), for persons.")
    organization: str | None = Field(default=None, description="O: the agency or company.")
    organizational_unit: str | None = Field(default=None, description="OU: department.")
    locality: str | None = Field(default=None, description="L: the province or city.")
    country: str = Field(default="VN", description="C: ISO 3166 country code.")
    identifier: str | None = Field(
        default=None,
        description="UID: identifier of the person or organisation, e.g. 'CCCD:001...' or "
        "'MST:0101...'.",
    )

    def marked(self) -> VietnameseName:
        """The same name with the TEST marker in CN and O (idempotent)."""
        updates: dict[str, str] = {"common_name": _with_marker(self.common_name)}
        if self.organization:
            updates["organization"] = _with_marker(self.organization)
        return self.model_copy(update=updates)

    def normalised(self) -> VietnameseName:
        """Unicode NFC for every field: one spelling of each Vietnamese letter on the wire."""
        values = {
            key: unicodedata.normalize("NFC", value) if isinstance(value, str) else value
            for key, value in self.model_dump().items()
        }
        return VietnameseName(**values)

    def certomancer_entity(self) -> dict[str, str]:
        """The attribute dictionary certomancer's entity registry turns into an X.509 Name."""
        if len(self.country) != 2 or not self.country.isalpha():
            raise InvalidInputError(say(
                f"country: '{self.country}' không phải mã quốc gia hai chữ cái",
                f"country: '{self.country}' is not a two-letter code"))
        attributes = {
            "common_name": self.common_name,
            "title": self.title,
            "organization_name": self.organization,
            "organizational_unit_name": self.organizational_unit,
            "locality_name": self.locality,
            "country_name": self.country.upper(),
            "user_id": self.identifier,
        }
        present = {key: value for key, value in attributes.items() if value}
        for key, value in present.items():
            bound = UPPER_BOUNDS.get(key)
            if bound is not None and len(value) > bound:
                raise InvalidInputError(say(
                    f"name: {key} '{value}' dài {len(value)} ký tự; RFC 5280 cho phép tối đa "
                    f"{bound}",
                    f"name: {key} '{value}' has {len(value)} characters; RFC 5280 allows {bound}"))
        return present
