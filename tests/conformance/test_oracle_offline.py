"""Validation from what the document carries (issue 20, item 1): documents signed on a testbed of
their own, with real OCSP, CRL and TSA services, then verified after that testbed has stopped,
so that nothing answers at the URLs in the certificates.

A B-LT or B-LTA document carries the OCSP responses and CRLs of its signing time: it must
validate from them, with freshness judged at the time its timestamp proves. A B-B or B-T
document carries nothing: INDETERMINATE / TRY_LATER is the right answer for a valid one. A
definite finding (an expired signer without proof of existence, a key usage unfit for signing)
must come out as itself, never as TRY_LATER.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from conformance.cli import main
from conformance.lab import lab_testbed, sign_report
from conformance.oracle import (
    OracleOptions,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureResult,
    validate_pdf,
)
from conformance.verdict import Indication, SubIndication
from testbed.ca.profiles import RuleBreak
from testbed.clock import wall_clock
from testbed.session import Testbed, running_testbed
from tests.conformance.oracle_helpers import LEVELS, PERSON, document, root_of, sign, trust_roots

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
OFFLINE = OracleOptions(fetch_revocation_online=False)
"""The policy of an archive without network access: the document's own data only."""


@dataclass(frozen=True)
class Signed:
    """What the stopped testbed left behind: signed files, its root, and a few instants."""

    documents: dict[tuple[str, str], bytes]
    online_answers: dict[tuple[str, str], tuple[Indication, SubIndication | None]]
    roots: list[x509.Certificate]
    signed_at: datetime
    short_lived_until: datetime
    ocsp_url: str


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    directory = tmp_path_factory.mktemp("offline-testbed")
    documents: dict[tuple[str, str], bytes] = {}
    online: dict[tuple[str, str], tuple[Indication, SubIndication | None]] = {}
    with running_testbed(directory, at=wall_clock()) as testbed:
        labels = {
            "valid": testbed.issue("offline-valid", name=PERSON).label,
            "short-lived": testbed.issue("offline-short", name=PERSON,
                                         validity=timedelta(days=30)).label,
            "no-non-repudiation": testbed.issue(
                "offline-no-nr", name=PERSON,
                rule_breaks=[RuleBreak.NO_NON_REPUDIATION]).label,
        }
        testbed.advance_clock(HOUR)
        for story, label in labels.items():
            # pyHanko's signer refuses to gather validation data (B-LT) for a certificate
            # without nonRepudiation: that story is signed at B-B and B-T only
            for level in LEVELS if story != "no-non-repudiation" else ("B-B", "B-T"):
                documents[story, level] = sign(testbed, label, document(),
                                               directory / "work", level=level)
        early = testbed.issue("offline-early-ocsp", name=PERSON).label
        gathered = _revocation_data_now(testbed, early)
        testbed.advance_clock(HOUR)  # sign an hour after the revocation data were issued
        documents["early-revocation-data", "B-LT"] = sign(
            testbed, early, document(), directory / "work", level="B-LT",
            validation_context=gathered)
        roots = trust_roots(testbed)
        for key, data in documents.items():  # the answer while every service still runs
            answer = _signature(validate_pdf(data, roots, at=testbed.now()).signatures)
            online[key] = (answer.indication, answer.sub_indication)
        signed_at = testbed.now()
        short_lived_until = testbed.certificate(labels["short-lived"]).not_after
        ocsp_url = testbed.urls("ca-cv")["ocsp"]
    return Signed(documents, online, roots, signed_at, short_lived_until, ocsp_url)


def _revocation_data_now(testbed: Testbed, label: str) -> ValidationContext:
    """A validation context holding the OCSP responses and CRLs of this instant for the signer's
    and the TSA's paths, that fetches nothing more: what a signer embeds if it gathered them an
    hour before it signed."""
    root = root_of(testbed, label)
    chain = [x509.Certificate.load(testbed.certificate_der(record.label))
             for record in testbed.chain(label)]
    token = asyncio.run(HTTPTimeStamper(testbed.urls("ca-cv")["tsa"]).async_timestamp(
        hashlib.sha256(b"kyso").digest(), "sha256"))
    tsa_certificates = [choice.chosen for choice in token["content"]["certificates"]]
    live = ValidationContext(trust_roots=[root], other_certs=chain[1:] + tsa_certificates,
                             allow_fetching=True, moment=testbed.now(),
                             revocation_mode="require")

    async def validate_all() -> None:
        for certificate in [chain[0], *tsa_certificates]:
            if certificate.ca:
                continue
            await CertificateValidator(certificate, validation_context=live).async_validate_path()

    asyncio.run(validate_all())
    return ValidationContext(trust_roots=[root], other_certs=chain[1:] + tsa_certificates,
                             ocsps=list(live.ocsps), crls=list(live.crls), allow_fetching=False,
                             moment=testbed.now())


def _signature(results: list[SignatureResult]) -> SignatureResult:
    (signature,) = [s for s in results if s.kind is SignatureKind.SIGNATURE]
    return signature


def _validate(signed: Signed, story: str, level: str, at: datetime,
              options: OracleOptions | None = None) -> list[SignatureResult]:
    return validate_pdf(signed.documents[story, level], signed.roots, at=at,
                        options=options).signatures


def test_the_services_are_really_stopped(signed: Signed) -> None:
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(signed.ocsp_url, timeout=2)  # noqa: S310 (loopback testbed)


@pytest.mark.parametrize("later", [DAY, timedelta(days=2 * 365)], ids=["a-day", "two-years"])
@pytest.mark.parametrize("options", [None, OFFLINE], ids=["fetching-allowed", "document-only"])
@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_long_term_levels_validate_from_their_own_data(signed: Signed, level: str,
                                                       options: OracleOptions | None,
                                                       later: timedelta) -> None:
    """The embedded OCSP response is long stale at the validation time; fresh at the time the
    signature timestamp proves, which is what the policy asks."""
    results = _validate(signed, "valid", level, signed.signed_at + later, options)
    signature = _signature(results)
    assert (signature.indication, signature.sub_indication) == (
        Indication.TOTAL_PASSED, None), signature.reason
    assert signature.revocation.status is RevocationStatus.GOOD
    assert signature.revocation.source is RevocationSource.EMBEDDED
    stamps = [s for s in results if s.kind is SignatureKind.DOCUMENT_TIMESTAMP]
    assert [s.indication for s in stamps] == \
        ([Indication.TOTAL_PASSED] if level == "B-LTA" else []), [s.reason for s in stamps]


def test_revocation_freshness_is_judged_at_the_best_signature_time(signed: Signed) -> None:
    """The document's OCSP responses were issued an hour before its signature timestamp and
    are valid for ten minutes (the testbed's responder): not fresh for the signing time under
    the default policy (each response's own thisUpdate..nextUpdate, EU DSS's value 0), fresh
    enough for a policy that accepts two hours. Never judged against the wall clock: a year
    later the answer is the same."""
    for later in (DAY, timedelta(days=365)):
        at = signed.signed_at + later
        default = _signature(_validate(signed, "early-revocation-data", "B-LT", at, OFFLINE))
        assert (default.indication, default.sub_indication) == (
            Indication.INDETERMINATE, SubIndication.TRY_LATER), default.reason
        lenient = OracleOptions(fetch_revocation_online=False,
                                revocation_freshness=timedelta(hours=2))
        accepted = _signature(_validate(signed, "early-revocation-data", "B-LT", at, lenient))
        assert accepted.indication is Indication.TOTAL_PASSED, accepted.reason
        assert accepted.revocation.source is RevocationSource.EMBEDDED


@pytest.mark.parametrize("options", [None, OFFLINE], ids=["fetching-allowed", "document-only"])
@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_levels_without_validation_data_are_try_later(signed: Signed, level: str,
                                                      options: OracleOptions | None) -> None:
    signature = _signature(_validate(signed, "valid", level, signed.signed_at + DAY, options))
    assert (signature.indication, signature.sub_indication) == (
        Indication.INDETERMINATE, SubIndication.TRY_LATER), signature.reason
    assert signature.revocation.status is RevocationStatus.UNKNOWN


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_expired_signer_is_named_so_offline(signed: Signed, level: str) -> None:
    """B-B: nothing proves the signing time, the certificate has expired: OUT_OF_BOUNDS_NO_POE
    (EN 319 102-1), whatever the revocation data. B-T: the timestamp proves a time inside the
    validity, but there is no revocation status for that time: TRY_LATER is then the truth."""
    at = signed.short_lived_until + DAY
    signature = _signature(_validate(signed, "short-lived", level, at, OFFLINE))
    assert signature.indication is Indication.INDETERMINATE
    expected = {SubIndication.OUT_OF_BOUNDS_NO_POE, SubIndication.EXPIRED} \
        if level == "B-B" else {SubIndication.TRY_LATER}
    assert signature.sub_indication in expected, signature.reason


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_expired_signer_with_embedded_data_passes_offline(signed: Signed, level: str) -> None:
    at = signed.short_lived_until + DAY
    signature = _signature(_validate(signed, "short-lived", level, at, OFFLINE))
    assert signature.indication is Indication.TOTAL_PASSED, signature.reason


@pytest.mark.parametrize("level", ["B-B", "B-T"])
def test_wrong_key_usage_is_the_same_finding_offline(signed: Signed, level: str) -> None:
    """What the verifier found while the services ran, it finds with them stopped."""
    online = signed.online_answers["no-non-repudiation", level]
    assert online[0] is not Indication.TOTAL_PASSED
    for options in (None, OFFLINE):
        signature = _signature(_validate(signed, "no-non-repudiation", level,
                                         signed.signed_at + DAY, options))
        assert (signature.indication, signature.sub_indication) == online, signature.reason
        assert signature.sub_indication is not SubIndication.TRY_LATER


def test_lab_signed_report_verifies_with_the_lab_stopped(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The lab signs its reports on its SoftHSM token at B-LTA (conformance.lab); ``kyso
    verify out/demo/reference/report-signed.pdf`` must call the signed report valid once the
    lab's services are gone (the demo's lab is where ``kyso verify`` finds its trust anchors
    without options)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KYSO_TESTBED", raising=False)
    lab = tmp_path / "out" / "demo" / "lab"
    lab.parent.mkdir(parents=True)
    unsigned = tmp_path / "report.pdf"
    signed_report = Path("out/demo/reference/report-signed.pdf")
    signed_report.parent.mkdir(parents=True)
    unsigned.write_bytes(document(with_form_field=False))
    with lab_testbed(lab) as testbed:
        sign_report(testbed, unsigned, signed_report)
        ocsp_url = testbed.urls("ca-cv")["ocsp"]
        roots, signed_at = trust_roots(testbed), testbed.now()
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(ocsp_url, timeout=2)  # noqa: S310 (loopback testbed)
    a_year_later = (wall_clock() + timedelta(days=400)).isoformat()
    for extra in ([], ["--at", a_year_later], ["--offline"], ["--testbed", str(lab)]):
        code = main(["verify", str(signed_report), *extra])
        output = capsys.readouterr().out
        assert code == 0, output
        assert "Chữ ký số hợp lệ" in output
        assert "dữ liệu kiểm tra gắn trong tệp (DSS)" in output
    # B-LTA (issue 20, item 3): the report carries an archive timestamp, valid offline too
    results = validate_pdf(signed_report.read_bytes(), roots, at=signed_at + DAY,
                           options=OFFLINE).signatures
    assert [(r.kind, r.indication) for r in results] == [
        (SignatureKind.SIGNATURE, Indication.TOTAL_PASSED),
        (SignatureKind.DOCUMENT_TIMESTAMP, Indication.TOTAL_PASSED)]
