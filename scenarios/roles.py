"""The two roles a scenario needs played, as small protocols the conformance layer implements.

The player does not know adapters, processes or the reference tools: it hands a
:class:`SignRequest` to whatever :class:`Signer` it was given and a :class:`VerifyRequest` to
its :class:`Verifier`, and compares their answers (adapter contract v1, :mod:`.outcomes`) with
the checkpoint's expectation. Everything a request carries is a path or a value a third-party
program can use: the token's access file and PIN file, trust anchors as PEM files, URLs, the
testbed instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .signature_formats import SignatureFormat

if TYPE_CHECKING:  # the protocols' annotations only: the requests need no pydantic (issue 22)
    from .outcomes import SignerAnswer, VerifierAnswer


@dataclass(frozen=True)
class SignRequest:
    """Sign ``input`` into ``output`` with the key on a token."""

    input: Path
    output: Path
    token_access: Path
    """JSON written by the testbed: PKCS#11 module, environment, labels (no PIN)."""
    pin_file: Path
    token_label: str
    trust_roots: list[Path]
    tsa_url: str | None
    level: str
    """B-B, B-T, B-LT or B-LTA."""
    moment: datetime
    """The testbed's current instant (what 'now' means for this signature)."""
    visible: bool = False
    appearance: str | None = None
    """What the visible signature must show, for the judge (``nd30-annex-i``: Decree 30/2020
    Annex I); a signer that claims the regime draws it whenever it signs visibly."""
    certificate: Path | None = None
    """DER of the certificate on the token: what the produced signature must be made with."""
    reason: str | None = None
    location: str | None = None
    field_name: str | None = None
    workdir: Path | None = None
    """A private directory for this request (evidence, traces)."""
    format: SignatureFormat = SignatureFormat.PADES
    """The signature to make: PAdES into a PDF, XAdES / XML-DSig into an XML document, or a
    detached CAdES / CMS signature file (``output``) over ``input``."""


@dataclass(frozen=True)
class VerifyRequest:
    """Verify every signature of ``input`` as of ``moment``."""

    input: Path
    trust_roots: list[Path]
    moment: datetime
    workdir: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)
    format: SignatureFormat = SignatureFormat.PADES
    """What ``input`` is: a signed PDF, a signed XML document, or (``cades`` / ``cms``) a
    detached signature file whose signed content is ``content``."""
    content: Path | None = None
    """The signed content of a detached signature (``format.detached``); None otherwise."""


@dataclass(frozen=True)
class ExtendRequest:
    """What the archive tool is asked at an ``extend`` step (:class:`Archiver`)."""

    input: Path
    output: Path
    level: str
    """B-LT or B-LTA."""
    renew: bool
    trust_roots: list[Path]
    tsa_url: str
    moment: datetime


class NoAnswer(Exception):  # noqa: N818 (it is what happened: the software gave no answer)
    """The software gave no usable answer (hang, crash, garbage, nothing): an ERROR, not a FAIL.

    ``evidence`` maps a kind (stdout, stderr, command, ...) to a file in the request's workdir.
    """

    def __init__(self, reason: str, evidence: dict[str, Path] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.evidence = evidence or {}


class Signer(Protocol):
    def sign(self, request: SignRequest) -> SignerAnswer:
        """Answer (signed or refused), or raise :class:`NoAnswer`."""
        ...


class Verifier(Protocol):
    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        """Answer, or raise :class:`NoAnswer`."""
        ...


class Inspector(Protocol):
    """Looks at what a signer produced, with an independent oracle: did it sign correctly?"""

    def inspect(self, request: SignRequest, answer: SignerAnswer) -> list[str]:
        """Problems with ``request.output`` (empty: none): not validating, another key, a
        missing level attribute, a partial coverage, damaged earlier signatures, ..."""
        ...


class Archiver(Protocol):
    def extend(self, request: ExtendRequest) -> None:
        """Write the extended document to ``request.output``, or raise :class:`NoAnswer`
        (with why) when it cannot be extended."""
        ...


ONE_CHECKPOINT: ContextVar[dict[object, object] | None] = ContextVar("kyso_one_checkpoint",
                                                                    default=None)
"""Set while the player asks several verifiers the same question at one checkpoint (the
defective variants, beside the story): nothing in the testbed changes meanwhile, so a role may
keep work it did for one call for the next (:func:`one_checkpoint`)."""


@contextmanager
def one_checkpoint() -> Iterator[dict[object, object]]:
    """A scope in which the world stands still: the testbed's instant, its revocation data and
    its services are the same for every call made inside. Its dictionary is the roles' memo,
    gone when the scope ends, so nothing learnt at one checkpoint reaches the next."""
    memo: dict[object, object] = {}
    token = ONE_CHECKPOINT.set(memo)
    try:
        yield memo
    finally:
        ONE_CHECKPOINT.reset(token)
