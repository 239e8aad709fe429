"""``kyso extend`` (issue 20, item 3): a B-T document signed on a SoftHSM token with the reference
signer is raised to B-LT and B-LTA while the testbed's OCSP, CRL and TSA services answer, then
verified after the testbed has stopped, when nothing answers any more: the document's own data
must carry it. The archive timestamp is renewed with a successor TSA certificate before the
first one expires, and the document still verifies after that expiry.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509

from conformance.cli import main
from conformance.oracle import OracleOptions, SignatureKind, SignatureResult, validate_pdf
from conformance.reference.signer import sign
from conformance.verdict import Indication, SubIndication
from testbed.clock import wall_clock
from testbed.session import Testbed, running_testbed
from tests.conformance.oracle_helpers import PERSON, document, trust_roots

DAY = timedelta(days=1)
OFFLINE = OracleOptions(fetch_revocation_online=False)


@dataclass(frozen=True)
class Extended:
    """What the stopped testbed left behind."""

    files: dict[str, Path]
    roots: list[x509.Certificate]
    extended_at: datetime
    ocsp_url: str
    errors: dict[str, tuple[int, str]]
    first_tsa_expiry: datetime
    directory: Path


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory) -> Extended:
    directory = tmp_path_factory.mktemp("extend-testbed")
    work = tmp_path_factory.mktemp("extend-files")
    files = {name: work / f"{name}.pdf" for name in ("unsigned", "B-T", "B-LT", "B-LTA")}
    files["unsigned"].write_bytes(document())
    errors: dict[str, tuple[int, str]] = {}
    with running_testbed(directory, at=wall_clock()) as testbed:
        token, _ = testbed.tokens.create("luu-tru", key_type="p256", name=PERSON)
        testbed.advance_clock(timedelta(hours=1))
        answer = sign(files["unsigned"], files["B-T"], access=testbed.tokens.access(token.label),
                      pin=testbed.tokens.user_pin(token.label), trust_roots=trust_roots(testbed),
                      moment=testbed.now(), level="B-T", tsa_url=testbed.urls("ca-cv")["tsa"])
        assert answer.outcome.value == "signed", answer.display
        testbed.advance_clock(DAY)
        for level in ("B-LT", "B-LTA"):
            code = main(["extend", str(files["B-T"]), "--dir", str(directory), "--level",
                         level, "--out", str(files[level])])
            assert code == 0
        errors["B-B"] = _error(["extend", str(files["B-T"]), "--dir", str(directory),
                                "--level", "B-B", "--out", str(work / "x.pdf")])
        errors["renew-without-archive"] = _error(
            ["extend", str(files["B-T"]), "--dir", str(directory), "--renew",
             "--out", str(work / "y.pdf")])
        errors["unsigned"] = _error(["extend", str(files["unsigned"]), "--dir", str(directory),
                                     "--out", str(work / "z.pdf")])
        extended_at = testbed.now()
        first_tsa_expiry = _renew_before_expiry(testbed, files, errors)
        ocsp_url = testbed.urls("ca-cv")["ocsp"]
        roots = trust_roots(testbed, "root-cv")
    return Extended(files, roots, extended_at, ocsp_url, errors, first_tsa_expiry, directory)


def _renew_before_expiry(testbed: Testbed, files: dict[str, Path],
                         errors: dict[str, tuple[int, str]]) -> datetime:
    """A month before the first TSA certificate expires, the TSA gets a successor certificate
    and the archive renews the B-LTA document's archive timestamp with it; a day after the
    expiry, renewing the document that was not renewed in time is refused. The expiry."""
    first = testbed.certificate(testbed.state.authority("ca-cv").tsa or "")
    directory = str(testbed.directory)
    testbed.set_clock(first.not_after - timedelta(days=30))
    successor = testbed.renew_timestamp_authority("ca-cv")
    assert successor.not_after > first.not_after + timedelta(days=365)
    files["renewed"] = files["B-LTA"].with_name("renewed.pdf")
    assert main(["extend", str(files["B-LTA"]), "--dir", directory, "--renew",
                 "--out", str(files["renewed"])]) == 0
    testbed.set_clock(first.not_after + DAY)
    errors["too-late"] = _error(["extend", str(files["B-LTA"]), "--dir", directory, "--renew",
                                 "--out", str(files["B-LTA"].with_name("late.pdf"))])
    return first.not_after


def _error(arguments: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = main(arguments)
    return code, stderr.getvalue()


def _results(extended: Extended, name: str, at: datetime) -> list[SignatureResult]:
    return validate_pdf(extended.files[name].read_bytes(), extended.roots, at=at,
                        options=OFFLINE).signatures


def test_the_services_are_really_stopped(extended: Extended) -> None:
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(extended.ocsp_url, timeout=2)  # noqa: S310 (loopback testbed)


@pytest.mark.parametrize("later", [DAY, timedelta(days=3 * 365)], ids=["a-day", "three-years"])
@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_extended_document_verifies_offline(extended: Extended, level: str,
                                            later: timedelta) -> None:
    results = _results(extended, level, extended.extended_at + later)
    assert [(r.kind, r.indication) for r in results] == [
        (SignatureKind.SIGNATURE, Indication.TOTAL_PASSED),
        *([(SignatureKind.DOCUMENT_TIMESTAMP, Indication.TOTAL_PASSED)]
          if level == "B-LTA" else [])], [r.reason for r in results]


def test_the_b_t_original_is_not_enough_offline(extended: Extended) -> None:
    """The same signature before extension carries no revocation data: INDETERMINATE."""
    (signature,) = _results(extended, "B-T", extended.extended_at + DAY)
    assert signature.indication is Indication.INDETERMINATE


def test_extension_keeps_the_original_bytes(extended: Extended) -> None:
    original = extended.files["B-T"].read_bytes()
    for level in ("B-LT", "B-LTA"):
        assert extended.files[level].read_bytes().startswith(original)


@pytest.mark.parametrize(("case", "words"), [
    ("B-B", "--level"), ("renew-without-archive", "--renew"), ("unsigned", "no signature")])
def test_bad_requests_are_one_line_errors(extended: Extended, case: str, words: str) -> None:
    code, stderr = extended.errors[case]
    assert code == 2
    assert words in stderr and len(stderr.strip().splitlines()) == 1, stderr


def test_renewed_archive_timestamp_outlives_the_first_tsa_certificate(extended: Extended
                                                                     ) -> None:
    """A year after the first TSA certificate expired, every service down: the renewed
    document is valid, by past signature validation (EN 319 102-1 5.6.3): the successor's
    archive timestamp proves that the older one existed while its certificate was valid. The
    older archive timestamp, judged on its own, has outlived its TSA certificate. The copy that
    was not renewed is indeterminate: nothing proves its only archive timestamp existed while
    its TSA certificate was valid (EN 319 102-1 5.6.3.4)."""
    at = extended.first_tsa_expiry + timedelta(days=365)
    renewed = _results(extended, "renewed", at)
    assert [(r.kind, r.indication) for r in renewed][0] == (
        SignatureKind.SIGNATURE, Indication.TOTAL_PASSED), [r.reason for r in renewed]
    assert len([r for r in renewed if r.kind is SignatureKind.DOCUMENT_TIMESTAMP]) == 2
    assert renewed[-1].indication is Indication.TOTAL_PASSED, renewed[-1].reason
    assert "past signature validation" in renewed[0].reason
    assert renewed[1].indication is Indication.INDETERMINATE, renewed[1].reason
    # not renewed in time: its only archive timestamp anchors nothing any more
    (signature, stamp) = _results(extended, "B-LTA", at)
    assert (signature.indication, signature.sub_indication) == (
        Indication.INDETERMINATE, SubIndication.OUT_OF_BOUNDS_NO_POE), signature.reason
    assert "not anchored" in signature.reason


def test_renewing_after_the_tsa_certificate_expired_is_refused(extended: Extended) -> None:
    code, stderr = extended.errors["too-late"]
    assert code == 1 and len(stderr.strip().splitlines()) == 1, stderr
    assert "archive timestamp" in stderr


def test_extending_with_the_services_gone_fails_in_one_line(extended: Extended,
                                                            tmp_path: Path) -> None:
    """The testbed has stopped: no OCSP, CRL or TSA answers; extension cannot gather what it
    needs, says why in one line, exits 1 and writes nothing."""
    out = tmp_path / "never.pdf"
    code, stderr = _error(["extend", str(extended.files["B-T"]), "--dir",
                           str(extended.directory), "--level", "B-LT", "--out", str(out)])
    assert code == 1 and len(stderr.strip().splitlines()) == 1, stderr
    assert "could not extend" in stderr and not out.exists()
