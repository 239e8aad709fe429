"""What the reference signer can be asked, and its two ways of not signing.

A request names a PAdES baseline level and, optionally, where a visible signature goes;
:func:`conformance.reference.signer.sign` checks it into a :class:`SigningRequest`. The signer
then either signs or does not, for one of two reasons kept apart on purpose: the request itself
is unusable (:class:`SignerInputError`, a usage error), or the signer decided not to sign
(:class:`Refusal`, an answer with the bilingual message the person is shown, TT15-5.6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import x509

from conformance.oracle import KeyUsageConstraints
from conformance.reference.certificate_check import CertificateCheck
from conformance.reference.messages import Message
from conformance.reference.signature_levels import SignatureLevel
from testbed import InvalidInputError, TokenAccess


@dataclass(frozen=True)
class VisibleSignature:
    """Where the appearance goes: ``page`` counted from 1, ``box`` = (x1, y1, x2, y2) in pt."""

    page: int
    box: tuple[int, int, int, int]


class SignerInputError(InvalidInputError):
    """The request itself is unusable (input not a PDF, bad field, ...): a usage error."""


class Refusal(Exception):  # noqa: N818 (a decision: no signature, and the message to show)
    """The signer decided not to sign; ``message`` is what the person is told. Public because
    the defective variants and the emulated remote-signing service refuse the same way."""

    def __init__(self, message: Message, *, check: CertificateCheck | None = None) -> None:
        super().__init__(message.english)
        self.message = message
        self.check = check


def fill_message(message: Message, **values: str) -> Message:
    """``message`` with its ``{placeholders}`` filled in, in both languages."""
    return Message(message.vietnamese.format(**values), message.english.format(**values))


@dataclass(frozen=True)
class SigningRequest:
    """One request to the reference signer once :func:`~conformance.reference.signer.sign`
    has checked it: the input's bytes, the token and PIN, the level and the appearance."""

    input_pdf: bytes
    output: Path
    access: TokenAccess
    module: str
    pin: str
    trust_roots: tuple[x509.Certificate, ...]
    moment: datetime
    level: SignatureLevel
    tsa_url: str | None
    visible: VisibleSignature | None
    reason: str | None
    location: str | None
    field_name: str | None
    signer_name: str | None
    organisation: str | None
    rsa_pss: bool
    key_usage: KeyUsageConstraints
