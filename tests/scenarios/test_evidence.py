"""The judge's evidence check (TT15 Art. 5 khoản 4, Art. 6 khoản 2): the software must say where
it stored the certificate, the CRL at signing time and the status-check result."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from asn1crypto import pem

from scenarios.checkpoints import SignExpectation, VerifyExpectation
from scenarios.judge import evidence_problems, judge_signing, judge_verification
from scenarios.outcomes import (
    Indication,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    VerifierAnswer,
)
from testbed.session import Testbed
from tests.conformance.oracle_helpers import PERSON


class Material:
    """A signer certificate of ca-cv, another of ca-public, and ca-cv's current CRL."""

    def __init__(self, testbed: Testbed) -> None:
        signer = testbed.issue("evidence-signer", name=PERSON)
        other = testbed.issue("evidence-other", name=PERSON, issuer="ca-public")
        self.certificate = testbed.certificate_der(signer.label)
        self.other_certificate = testbed.certificate_der(other.label)
        self.crl = self._fetch(testbed.urls(signer.issuer)["crl"])
        self.other_crl = self._fetch(testbed.urls("ca-public")["crl"])

    @staticmethod
    def _fetch(url: str) -> bytes:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return bytes(response.read())


@pytest.fixture(scope="module")
def material(testbed: Testbed) -> Material:
    return Material(testbed)


def _store(workdir: Path, certificate: bytes, crl: bytes, status: bytes = b'{"ok": true}'
           ) -> dict[str, str]:
    folder = workdir / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "certificate.der").write_bytes(certificate)
    (folder / "crl.der").write_bytes(crl)
    (folder / "status.json").write_bytes(status)
    return {"certificate": "evidence/certificate.der", "crl": "evidence/crl.der",
            "status": str(folder / "status.json")}  # relative and absolute both work


def test_complete_evidence_passes(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.certificate, material.crl)
    assert evidence_problems(evidence, tmp_path, material.certificate) == []


def test_pem_files_are_accepted(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, pem.armor("CERTIFICATE", material.certificate),
                      pem.armor("X509 CRL", material.crl))
    assert evidence_problems(evidence, tmp_path, material.certificate) == []


def test_a_missing_key_is_named(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.certificate, material.crl)
    del evidence["crl"]
    assert evidence_problems(evidence, tmp_path, material.certificate) == ["'crl' is missing"]


def test_a_missing_file_is_named(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.certificate, material.crl)
    evidence["status"] = "evidence/nowhere.json"
    problems = evidence_problems(evidence, tmp_path, material.certificate)
    assert problems == ["'status' names evidence/nowhere.json, which does not exist"]


def test_another_certificate_is_not_the_signers(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.other_certificate, material.crl)
    problems = evidence_problems(evidence, tmp_path, material.certificate)
    assert len(problems) == 1 and problems[0].startswith(
        "'certificate' is not the signer's certificate")


def test_a_file_that_is_no_crl_is_refused(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.certificate, material.certificate)
    assert evidence_problems(evidence, tmp_path, material.certificate) == [
        "'crl' is not a CRL (DER or PEM)"]
    evidence = _store(tmp_path, material.certificate, b"not a CRL at all")
    assert evidence_problems(evidence, tmp_path, material.certificate) == [
        "'crl' is not a CRL (DER or PEM)"]


def test_a_crl_of_another_issuer_is_refused(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, material.certificate, material.other_crl)
    problems = evidence_problems(evidence, tmp_path, material.certificate)
    assert len(problems) == 1 and problems[0].startswith(
        "'crl' is not issued by the signer certificate's issuer")


def test_garbage_certificate_and_empty_status(material: Material, tmp_path: Path) -> None:
    evidence = _store(tmp_path, b"garbage", material.crl, status=b"  \n")
    assert evidence_problems(evidence, tmp_path, None) == [
        "'certificate' is not an X.509 certificate (DER or PEM)", "'status' is an empty file"]


_SHOWN = {"result": "Chữ ký số hợp lệ", "issuer": "TEST CA", "signer": "TEST Vũ Thị Hoa",
          "managing_unit": "TEST Sở KH&CN", "signing_time": "2026-11-22T09:00:00+07:00",
          "integrity": "Toàn vẹn", "validity_at_signing_time": "Hợp lệ",
          "certificate_validity": "Từ 2026-11-22 đến 2031-11-22"}
"""The seven TT15-6.4.b fields (checked at every verification; without truth, for presence)."""


def _valid_answer(evidence: dict[str, str]) -> VerifierAnswer:
    return VerifierAnswer(signatures=[SignatureAnswer(
        indication=Indication.TOTAL_PASSED, display=_SHOWN)], evidence=evidence)


def test_judge_verification_checks_evidence_only_when_expected(material: Material,
                                                               tmp_path: Path) -> None:
    expect = VerifyExpectation(indication=Indication.TOTAL_PASSED, evidence=True)
    failed = judge_verification(expect, _valid_answer({}), None, tmp_path, material.certificate)
    assert not failed.passed
    assert failed.reason == ("evidence: 'certificate' is missing; 'crl' is missing; "
                             "'status' is missing")
    lenient = VerifyExpectation(indication=Indication.TOTAL_PASSED)
    assert judge_verification(lenient, _valid_answer({}), None, tmp_path).passed
    evidence = _store(tmp_path, material.certificate, material.crl)
    assert judge_verification(expect, _valid_answer(evidence), None, tmp_path,
                              material.certificate).passed


def test_judge_signing_checks_evidence_of_a_signed_document(material: Material,
                                                            tmp_path: Path) -> None:
    expect = SignExpectation(outcome="signed", warning=False, evidence=True)
    answer = SignerAnswer(outcome=SignerOutcome.SIGNED, output="out.pdf", display="Đã ký.")
    failed = judge_signing(expect, answer, True, tmp_path, material.certificate)
    assert not failed.passed and failed.reason.startswith("evidence: 'certificate' is missing")
    evidence = _store(tmp_path, material.other_certificate, material.crl)
    wrong = judge_signing(expect, answer.model_copy(update={"evidence": evidence}), True,
                          tmp_path, material.certificate)
    assert not wrong.passed
    assert wrong.reason.startswith("evidence: 'certificate' is not the signer's certificate")
    evidence = _store(tmp_path, material.certificate, material.crl)
    assert judge_signing(expect, answer.model_copy(update={"evidence": evidence}), True,
                         tmp_path, material.certificate).passed
