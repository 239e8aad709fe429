"""Real third-party products judged through their bundled example profiles, as they are.

poppler's ``pdfsig`` (``examples/pdfsig.toml``: NSS trust store per case, libfaketime clock, its
lines read by regular expressions; no wrapper of any kind) and pyHanko's own command line
(``examples/pyhanko-cli.toml`` at ``clock = "system"``) are run by ``kyso conform`` on a handful
of cases picked by ID. The findings asserted are the ones measured, each explained where it is
asserted: what the product concludes, and why that is right or wrong against TT15.
Each product is also run once with its clock setting taken away (``clock = "argument"``): the
same valid document is then not TOTAL-PASSED, which shows the profile's clock is what makes the
technical PASS possible, and that these assertions would catch a profile that got it wrong.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from conformance.runner import RunOptions, conform
from reports.results import CaseResult, FindingCategory, Results, Verdict

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
HAS_PDFSIG = shutil.which("pdfsig") is not None and shutil.which("certutil") is not None
HAS_PYHANKO_CLI = importlib.util.find_spec("pyhanko.__main__") is not None  # pyhanko-cli

B_B = "verifier::happy-path::verify-b-b"
B_T = "verifier::happy-path::verify-b-t"
B_LT = "verifier::happy-path::verify-b-lt"
B_LTA = "verifier::happy-path::verify-b-lta"
TAMPERED = "verifier::tampering::verify-byte-changed"
UNTRUSTED = "verifier::untrusted-roots::verify-unrelated-root"
REVOKED_AFTER_TIMESTAMP = "verifier::revoked-after-signing::verify-revoked-after-timestamp"
EXPIRED_AFTER_TIMESTAMP = "verifier::expired-certificate::verify-expired-with-timestamp"
RSA_1024 = "verifier::weak-crypto::verify-rsa-1024"
SHA_1 = "verifier::weak-crypto::verify-sha-1"
RENEWED = "verifier::renewal::verify-renewed"
SIGN_B_T = "signer::happy-path::sign-b-t"

PDFSIG_CASES = (B_B, B_T, B_LT, B_LTA, TAMPERED, UNTRUSTED, REVOKED_AFTER_TIMESTAMP,
                EXPIRED_AFTER_TIMESTAMP, RSA_1024, SHA_1)
PYHANKO_CASES = (RENEWED, B_T, TAMPERED, SIGN_B_T)

needs_pdfsig = pytest.mark.skipif(not HAS_PDFSIG,
                                  reason="poppler-utils (pdfsig) and libnss3-tools needed")
needs_pyhanko = pytest.mark.skipif(not HAS_PYHANKO_CLI, reason="pyhanko-cli is not installed")


def _run(profile: Path, out: Path, cases: tuple[str, ...]) -> dict[str, CaseResult]:
    results: Results = conform(RunOptions(profile, out, only=cases), progress=lambda line: None)
    by_id = {case.id: case for case in results.cases}
    assert set(cases) <= set(by_id), sorted(set(cases) - set(by_id))
    return by_id


def _without_clock(profile: str, directory: Path) -> Path:
    """The example profile with its clock setting replaced by the default ('argument')."""
    text = (EXAMPLES / profile).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("clock = ")]
    assert len(lines) == len(text.splitlines()) - 1, "the example names its clock once"
    path = directory / profile
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _technical(case: CaseResult) -> dict[str, Verdict]:
    return {finding.check: finding.verdict for finding in case.findings
            if finding.category is FindingCategory.TECHNICAL}


def _display(case: CaseResult) -> set[Verdict]:
    return {finding.verdict for finding in case.findings
            if finding.category is FindingCategory.DISPLAY}


@pytest.fixture(scope="module")
def pdfsig(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CaseResult]:
    if not HAS_PDFSIG:
        pytest.skip("poppler-utils (pdfsig) and libnss3-tools needed")
    return _run(EXAMPLES / "pdfsig.toml", tmp_path_factory.mktemp("pdfsig"), PDFSIG_CASES)


@pytest.fixture(scope="module")
def pyhanko(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CaseResult]:
    if not HAS_PYHANKO_CLI:
        pytest.skip("pyhanko-cli is not installed")
    return _run(EXAMPLES / "pyhanko-cli.toml", tmp_path_factory.mktemp("pyhanko"),
                PYHANKO_CASES)


# ---- poppler pdfsig ------------------------------------------------------------------------
@needs_pdfsig
@pytest.mark.parametrize(("case_id", "indication"), [
    (B_B, "TOTAL-PASSED"), (B_T, "TOTAL-PASSED"), (B_LTA, "TOTAL-PASSED"),
    (TAMPERED, "TOTAL-FAILED"), (UNTRUSTED, "INDETERMINATE")])
def test_pdfsig_is_technically_right_on_valid_tampered_and_untrusted(
        pdfsig: dict[str, CaseResult], case_id: str, indication: str) -> None:
    """Valid B-B/B-T/B-LTA: "Signature is Valid", "Certificate is Trusted" (NSS builds the chain
    to the case's anchors and gets "good" from the OCSP responder at the faked instant; the
    B-LTA document timestamp, which pdfsig cannot validate, is not an entry). Byte flipped:
    "Digest Mismatch". Unrelated root: "Certificate issuer isn't Trusted" → INDETERMINATE.
    It reports no sub-indication, which the judge accepts."""
    case = pdfsig[case_id]
    assert case.actual == indication
    assert set(_technical(case).values()) == {Verdict.PASS}, case.findings


@needs_pdfsig
@pytest.mark.parametrize(("case_id", "indication"), [
    (REVOKED_AFTER_TIMESTAMP, "TOTAL-FAILED"), (EXPIRED_AFTER_TIMESTAMP, "INDETERMINATE")])
def test_pdfsig_fails_proof_of_existence_by_timestamp(
        pdfsig: dict[str, CaseResult], case_id: str, indication: str) -> None:
    """The signature timestamp proves the signature existed before the revocation / expiry, so
    the signature stays valid (TOTAL-PASSED). pdfsig judges the certificate at the validation
    instant only and ignores the timestamp: "Certificate has been Revoked." / "Certificate has
    Expired"."""
    case = pdfsig[case_id]
    assert case.actual == indication
    assert _technical(case)["indication"] is Verdict.FAIL
    assert case.verdict is Verdict.FAIL and case.reason == "wrong indication"


@needs_pdfsig
@pytest.mark.parametrize("case_id", [RSA_1024, SHA_1])
def test_pdfsig_fails_weak_algorithms(pdfsig: dict[str, CaseResult], case_id: str) -> None:
    """An RSA-1024 key or a SHA-1 digest must not give a valid signature (INDETERMINATE,
    CRYPTO_CONSTRAINTS_FAILURE): pdfsig has no algorithm policy and says "Signature is Valid",
    "Certificate is Trusted"."""
    case = pdfsig[case_id]
    assert case.actual == "TOTAL-PASSED"
    assert _technical(case)["indication"] is Verdict.FAIL


@needs_pdfsig
def test_pdfsig_stores_no_evidence_so_b_lt_is_failed_not_run(
        pdfsig: dict[str, CaseResult]) -> None:
    case = pdfsig[B_LT]
    assert case.verdict is Verdict.FAIL and case.actual == "declared unsupported"
    assert "capabilities.evidence_storage = false" in case.reason


@needs_pdfsig
def test_pdfsig_shows_english_so_every_display_finding_fails(
        pdfsig: dict[str, CaseResult]) -> None:
    """pdfsig prints English ("Certificate is Trusted.") and none of the seven TT15-6.4.b
    fields in Vietnamese: the result and every field are display FAIL, on every case, and so
    every case it answered is FAIL even where its technical answer is right."""
    answered = [case for case_id, case in pdfsig.items() if case_id != B_LT]
    for case in answered:
        assert _display(case) == {Verdict.FAIL}, case.id
        assert case.verdict is Verdict.FAIL
    result = next(f for f in pdfsig[B_B].findings if f.check == "result")
    assert "Certificate is Trusted" in result.actual


@needs_pdfsig
def test_pdfsig_without_faketime_is_lost(tmp_path: Path) -> None:
    """At clock = "argument" pdfsig reads the real clock while the testbed lives days ahead: the
    certificate is "not yet valid", pdfsig says "Unknown issue with Certificate" and the valid
    document is INDETERMINATE. The faketime clock is what makes the technical PASS above."""
    cases = _run(_without_clock("pdfsig.toml", tmp_path), tmp_path / "out", (B_B,))
    assert cases[B_B].actual == "INDETERMINATE"
    assert _technical(cases[B_B])["indication"] is Verdict.FAIL


# ---- pyHanko's command line ----------------------------------------------------------------
@needs_pyhanko
@pytest.mark.parametrize(("case_id", "indication"), [
    (RENEWED, "TOTAL-PASSED"), (B_T, "TOTAL-PASSED"), (TAMPERED, "TOTAL-FAILED")])
def test_pyhanko_cli_is_technically_right_at_the_system_clock(
        pyhanko: dict[str, CaseResult], case_id: str, indication: str) -> None:
    """Played on a timeline shifted to the real now, pyHanko's OCSP answers, CRLs and
    timestamps are current: "INTACT:TRUSTED" on the valid documents, "INVALID" on the flipped
    byte. The renewed certificate's case is checked days after the lab's start."""
    case = pyhanko[case_id]
    assert case.actual == indication
    assert set(_technical(case).values()) == {Verdict.PASS}, case.findings
    assert _display(case) == {Verdict.FAIL}, "pyHanko prints one English status line"
    assert case.verdict is Verdict.FAIL


@needs_pyhanko
def test_pyhanko_cli_b_t_signing_is_failed_by_its_declared_levels(
        pyhanko: dict[str, CaseResult]) -> None:
    """The profile signs B-B only (pades_levels = ["B-B"]); B-T evidences a mandatory
    requirement (a timestamp, TT15-5.1.e), so the case is FAIL without being run."""
    case = pyhanko[SIGN_B_T]
    assert case.verdict is Verdict.FAIL and case.actual == "declared unsupported"
    assert "capabilities.pades_levels" in case.reason and "TT15-5.1.e" in case.reason


@needs_pyhanko
def test_pyhanko_cli_without_the_system_clock_is_lost(tmp_path: Path) -> None:
    """At clock = "argument" the renewal is verified days ahead of the real clock: pyHanko finds
    the answers "not yet valid" (INTACT:UNTRUSTED) and the case it passes above fails."""
    cases = _run(_without_clock("pyhanko-cli.toml", tmp_path), tmp_path / "out", (RENEWED,))
    assert cases[RENEWED].actual == "INDETERMINATE"
    assert _technical(cases[RENEWED])["indication"] is Verdict.FAIL
