"""The reference signer and verifier as the scenario player's two roles, in process.

They implement :class:`scenarios.roles.Signer` and :class:`scenarios.roles.Verifier` by calling
the reference tools directly (no subprocess), so playing the whole catalogue stays fast. A
software under test plugs into the same two protocols through the adapters in
:mod:`conformance.sut`.
"""

from __future__ import annotations

from conformance.reference.signer import SignerInputError, VisibleSignature, sign
from conformance.reference.verifier import trust_roots_from_files, verify
from scenarios.outcomes import SignerAnswer, SignerOutcome, VerifierAnswer
from scenarios.roles import SignRequest, VerifyRequest
from testbed.tokens import TokenAccess

VISIBLE_BOX = VisibleSignature(page=1, box=(330, 60, 560, 140))
"""Bottom right of the first page: where the signer's block sits in a Vietnamese decision."""


class ReferenceSigner:
    """kyso's reference signer (TT15 Art. 5, ND68 Art. 29)."""

    name = "kyso reference signer"

    def sign(self, request: SignRequest) -> SignerAnswer:
        try:
            return sign(
                request.input, request.output,
                access=TokenAccess.load(request.token_access),
                pin=request.pin_file.read_text(encoding="utf-8").strip(),
                trust_roots=trust_roots_from_files(request.trust_roots),
                moment=request.moment, level=request.level, tsa_url=request.tsa_url,
                visible=VISIBLE_BOX if request.visible else None,
                reason=request.reason, location=request.location,
                field_name=request.field_name)
        except SignerInputError as error:
            return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=str(error),
                                display=f"Chưa ký / Not signed: {error}")


class ReferenceVerifier:
    """kyso's reference verifier (TT15 Art. 6, ND68 Art. 31)."""

    name = "kyso reference verifier"

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        return verify(request.input, trust_roots_from_files(request.trust_roots),
                      at=request.moment)
