"""The happy-path and proof-of-existence stories, verified again once their testbed has stopped
(issue 20, item 1): every document the story's verifier was asked about, at the same instant,
with nothing answering at the OCSP, CRL, TSA or certificate URLs.

The stories are played as the catalogue has them (real SoftHSM tokens, the reference signer,
real services), except that the timestamped document of the proof-of-existence stories is
signed at B-LTA instead of B-T, so that each story has a B-LTA document. Expected offline:

* B-LT and B-LTA: the same answer as with the services running (TOTAL-PASSED for these stories),
  from the validation data the document carries;
* B-B and B-T: they carry no revocation data, so what only revocation data can tell (valid, or
  revoked) becomes INDETERMINATE / TRY_LATER; any other finding (an expired certificate without
  proof of existence) stays what it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.oracle import PadesLevel, SignatureKind
from conformance.reference.roles import ReferenceVerifier
from conformance.reference.verifier import trust_roots_from_files, verify_in_detail
from conformance.scenario_runs import play
from conformance.verdict import Indication, SubIndication, VerifierAnswer
from scenarios.loader import parse_scenario
from scenarios.roles import VerifyRequest
from scenarios.scenario_run import format_run

CATALOGUE = Path(__file__).resolve().parents[2] / "scenarios"
TIMESTAMPED_AT_B_T = "output: with-timestamp\n    level: B-T\n"
STORIES = {
    "happy-path": None,
    "expired-certificate": TIMESTAMPED_AT_B_T,
    "revoked-after-signing": TIMESTAMPED_AT_B_T,
}
"""Each story, and the text of its timestamped signing step to sign at B-LTA instead."""
REVOCATION_ONLY = {None, SubIndication.REVOKED_NO_POE, SubIndication.REVOKED}
"""Online answers that rest on revocation data alone (valid; revoked)."""


class RecordingVerifier:
    """The reference verifier, remembering every request the story made."""

    name = "kyso reference verifier (recording)"

    def __init__(self) -> None:
        self.inner = ReferenceVerifier()
        self.asked: list[tuple[VerifyRequest, VerifierAnswer]] = []

    def verify(self, request: VerifyRequest) -> VerifierAnswer:
        answer = self.inner.verify(request)
        self.asked.append((request, answer))
        return answer


def _story(name: str) -> str:
    """The story as PAdES alone (B-LTA is a PDF level here: the other formats' variants are
    ``tests/conformance/test_formats.py``'s), its timestamped step signing at B-LTA."""
    text = re.sub(r"formats: \[[^\]]*\]", "formats: [pades]",
                  (CATALOGUE / f"{name}.yaml").read_text(encoding="utf-8"))
    timestamped = STORIES[name]
    if timestamped is None:
        return text
    assert timestamped in text, f"{name}: the timestamped signing step has moved"
    return text.replace(timestamped, timestamped.replace("B-T", "B-LTA"))


@pytest.mark.parametrize("name", list(STORIES))
def test_story_verifies_from_its_own_data_with_every_service_stopped(name: str,
                                                                      tmp_path: Path) -> None:
    recorder = RecordingVerifier()
    run = play(parse_scenario(_story(name), f"{name}.yaml"), tmp_path, verifier=recorder)
    assert run.passed, format_run(run)  # the story still holds online with B-LTA
    long_term_passed = 0
    for request, online in recorder.asked:
        roots = trust_roots_from_files(request.trust_roots)
        offline = verify_in_detail(request.input, roots, at=request.moment)
        assert offline.result is not None
        results = [s for s in offline.result.signatures if s.kind is SignatureKind.SIGNATURE]
        for result, before in zip(results, online.signatures, strict=True):
            now = (result.indication, result.sub_indication)
            was = (before.indication, before.sub_indication)
            where = f"{request.input.name} at {request.moment}: {result.reason}"
            if result.pades_level in (PadesLevel.B_LT, PadesLevel.B_LTA):
                assert now == was, where
                long_term_passed += result.pades_level is PadesLevel.B_LTA \
                    and now[0] is Indication.TOTAL_PASSED
            elif was[1] in REVOCATION_ONLY:
                assert now == (Indication.INDETERMINATE, SubIndication.TRY_LATER), where
            else:
                assert now == was, where
    assert long_term_passed >= 1, "the story verified no B-LTA document"
