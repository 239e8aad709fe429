"""One reference verification per question, shared by the defective verifiers at a checkpoint.

Most variants start from the same reference verification and then read its findings
carelessly (:mod:`.verifiers`); asked one after another at a checkpoint, each used to validate
the same document against the same testbed again: some twenty path validations where one
gives the same result, and seconds each when the CRL has 100,000 entries. Inside
:func:`scenarios.one_checkpoint` the world stands still, so the first verification of a
question (document bytes, trust roots, validation time, oracle options) is kept in the scope's
memo for the others; outside a scope every call validates afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from asn1crypto import x509

from conformance.oracle import OracleOptions
from conformance.reference.format_roles import verified_in_format
from conformance.reference.verifier import Verification, verify_in_detail
from scenarios import ONE_CHECKPOINT, SignatureFormat


def verified_once(source: Path | bytes, roots: Sequence[x509.Certificate], *,
                  at: datetime | None, options: OracleOptions) -> Verification:
    """:func:`verify_in_detail`, done once per question within a checkpoint."""
    memo = ONE_CHECKPOINT.get()
    if memo is None:
        return verify_in_detail(source, roots, at=at, options=options)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError:
        return verify_in_detail(source, roots, at=at, options=options)  # says what is wrong
    key = ("reference-verification", "" if isinstance(source, bytes) else str(source),
           hashlib.sha256(data).hexdigest(), tuple(root.sha256 for root in roots), at, options)
    if key not in memo:
        memo[key] = verify_in_detail(source, roots, at=at, options=options)
    return memo[key]  # type: ignore[return-value]


def verified_once_in_format(source: Path | bytes, content: Path | None, fmt: SignatureFormat,
                            roots: Sequence[x509.Certificate], *, at: datetime | None,
                            options: OracleOptions) -> Verification:
    """:func:`conformance.reference.format_roles.verified_in_format` (a signed XML document, a
    detached CMS signature over ``content``), done once per question within a checkpoint."""
    memo = ONE_CHECKPOINT.get()
    if memo is None:
        return verified_in_format(source, content, fmt, roots, at=at, options=options)
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        signed = content.read_bytes() if content is not None else b""
    except OSError:
        return verified_in_format(source, content, fmt, roots, at=at, options=options)
    key = ("format-verification", fmt, hashlib.sha256(data).hexdigest(),
           hashlib.sha256(signed).hexdigest(), tuple(root.sha256 for root in roots), at, options)
    if key not in memo:
        memo[key] = verified_in_format(source, content, fmt, roots, at=at, options=options)
    return memo[key]  # type: ignore[return-value]
