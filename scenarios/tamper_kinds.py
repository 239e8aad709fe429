"""How a ``tamper`` step changes an artifact: each kind of the model, one function of the testbed.

Edits a clerk or an attacker makes after signing (:mod:`testbed.documents`: a flipped byte, an
incremental content update, a form fill, a reader's comment, a truncation, universal signature
forgery) and the PDF-signature attack families (:mod:`testbed.pdf_attacks`: signature
wrapping, shadow attacks, certification attacks).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from testbed import (
    ShadowVariant,
    add_comment,
    append_content_change,
    break_byte_range,
    empty_signature_contents,
    evil_annotation,
    fill_form_field,
    flip_byte_in_signed_range,
    prepare_shadow,
    shadow_hide,
    shadow_hide_and_replace,
    shadow_replace,
    sneaky_signature,
    truncate,
    wrap_signature,
)


def tampered(kind: str, data: bytes) -> bytes:
    """``data`` (a PDF) changed the way the tamper ``kind`` names."""
    if kind == "byte-flip":
        return flip_byte_in_signed_range(data)
    if kind == "content-update":
        return append_content_change(data)
    if kind == "form-fill":
        return fill_form_field(data, "Đã điền sau khi ký")
    if kind == "comment":
        return add_comment(data)
    if kind == "truncate":
        return truncate(data)
    if kind == "usf-empty-contents":
        return empty_signature_contents(data)
    if kind == "usf-bad-byterange":
        return break_byte_range(data)
    if kind in _ATTACKS:
        return _ATTACKS[kind](data)
    return data + b"\n% appended garbage after the last %%EOF\n"


_ATTACKS: dict[str, Callable[[bytes], bytes]] = {
    "signature-wrapping": wrap_signature,
    "shadow-prepare-hide": partial(prepare_shadow,
                                   variant=ShadowVariant.HIDE),
    "shadow-prepare-replace": partial(prepare_shadow,
                                      variant=ShadowVariant.REPLACE),
    "shadow-prepare-hide-and-replace": partial(
        prepare_shadow, variant=ShadowVariant.HIDE_AND_REPLACE),
    "shadow-hide": shadow_hide,
    "shadow-replace": shadow_replace,
    "shadow-hide-and-replace": shadow_hide_and_replace,
    "evil-annotation": evil_annotation,
    "sneaky-signature": sneaky_signature,
}
"""Tamper kinds built by :mod:`testbed.pdf_attacks` (the PDF-signature attack families)."""
