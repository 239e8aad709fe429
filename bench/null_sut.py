"""Verifiers that do nothing: they answer TOTAL-PASSED at once (for measuring the runner).

``create``: the answer as a plain dictionary (contract v1, as ``null_cli.py`` prints it),
importing nothing: what the python adapter itself costs per call, the counterpart of the
do-nothing ``cli`` verifier. ``create_with_models``: the same answer built with kyso's
contract models, as a vendor's wrapper may do: that vendor also pays pydantic's import in
every call (its own import, measured beside it by ``bench/bench_sandbox.py``).
"""

from __future__ import annotations

from typing import Any

ANSWER = {"version": 1, "signatures": [{"indication": "TOTAL-PASSED"}]}


class NullVerifier:
    def verify(self, request: Any) -> dict[str, Any]:
        return ANSWER


class NullModelsVerifier:
    def verify(self, request: Any) -> Any:
        from scenarios.outcomes import Indication, SignatureAnswer, VerifierAnswer

        return VerifierAnswer(signatures=[SignatureAnswer(indication=Indication.TOTAL_PASSED)])


def create() -> NullVerifier:
    return NullVerifier()


def create_with_models() -> NullModelsVerifier:
    return NullModelsVerifier()
