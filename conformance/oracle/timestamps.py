"""Signature timestamps inside a CMS signer info: the tokens, and the time the first one proves.

A signature timestamp (RFC 3161, the CAdES signature-time-stamp attribute) is the proof of
existence the EN 319 102-1 validation with time rests on. Every CMS-based format (PDF now,
detached CMS next) carries it the same way, so it is read here once, through pyHanko's own
extractor, and handed to the inspector as well (:mod:`conformance.reference.inspection` looks at
which TSA stamped a signature).
"""

from __future__ import annotations

from datetime import datetime

from asn1crypto import cms, tsp
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter


def signature_timestamp_tokens(signer_info: cms.SignerInfo) -> list[cms.SignedData]:
    """Every signature timestamp token (its SignedData) in the unsigned attributes."""
    return list(extract_tst_data_iter(signer_info, signed=False))


def first_signature_timestamp(signer_info: cms.SignerInfo) -> cms.SignedData | None:
    """The first signature timestamp token, or None when the signature carries none."""
    return next(iter(extract_tst_data_iter(signer_info, signed=False)), None)


def generation_time(token: cms.SignedData | None) -> datetime | None:
    """The genTime of a timestamp token: the instant it proves (None when unreadable)."""
    if token is None:
        return None
    try:
        info = token["encap_content_info"]["content"].parsed
        assert isinstance(info, tsp.TSTInfo)
        value = info["gen_time"].native
        return value if isinstance(value, datetime) else None
    except Exception:  # noqa: BLE001
        return None
