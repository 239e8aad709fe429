"""The inspector's two newer eyes on a signer's output: its signature timestamps must be in the
request log of the TSA the case named (TT15-5.1.e, ND68-29.4), and a state document's visible
signature must show the agency and an ISO 8601 signing time with +07:00 (ND30 Annex I)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from pathlib import Path

import pytest

from conformance.reference.defects import Defect, DefectiveSigner
from conformance.reference.defects.signers import _naive_sign
from conformance.reference.inspection import (
    APPEARANCE_EVIDENCE,
    ND30_APPEARANCE,
    TSA_LOG_EVIDENCE,
    OracleInspector,
)
from conformance.reference.roles import ReferenceSigner
from scenarios.outcomes import SignerOutcome
from scenarios.roles import SignRequest
from testbed.ca.branches import Branch
from testbed.ca.names import VietnameseName
from testbed.ca.profiles import ProfileKind
from testbed.clock import VIETNAM
from testbed.documents import administrative_document
from testbed.session import Testbed
from testbed.tsa_log import log_path

AGENCY = VietnameseName(common_name="Sở Tư pháp tỉnh Quảng Trị",
                        organization="UBND tỉnh Quảng Trị", locality="Quảng Trị")
OFFICER = VietnameseName(common_name="Hoàng Văn Nam", organization="Sở Tài chính tỉnh Thanh Hóa")
CITIZEN = VietnameseName(common_name="Đỗ Thị Lan", identifier="CCCD:038190001234")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inspection-input") / "quyet-dinh.pdf"
    path.write_bytes(administrative_document())
    return path


@pytest.fixture(scope="module")
def tokens(testbed: Testbed) -> dict[str, str]:
    """Token labels: a công vụ officer, a public-branch citizen, a công vụ agency seal."""
    made = {}
    for key, options in {
        "officer": {"name": OFFICER},
        "citizen": {"name": CITIZEN, "branch": Branch.PUBLIC},
        "agency": {"name": AGENCY, "profile": ProfileKind.ORGANISATION},
    }.items():
        token, _ = testbed.tokens.create(f"inspection-{key}", key_type="p256", **options)
        made[key] = token.label
    return made


def _request(testbed: Testbed, label: str, document: Path, directory: Path, *,
             level: str = "B-T", tsa: str = "ca-cv", visible: bool = False,
             appearance: str | None = None) -> SignRequest:
    token = testbed.state.token(label)
    workdir = directory / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    expected = workdir / "expected-signer.der"
    expected.write_bytes(testbed.certificate_der(token.certificate))
    anchors = testbed.trust_anchor_paths()
    return SignRequest(
        input=document, output=directory / "signed.pdf",
        token_access=testbed.directory / token.access_file,
        pin_file=testbed.directory / token.pin_file, token_label=label,
        trust_roots=[anchors["root-cv"], anchors["root-neac"]], tsa_url=testbed.urls(tsa)["tsa"],
        level=level, moment=testbed.now(), visible=visible, appearance=appearance,
        certificate=expected, field_name="ChuKy1", workdir=workdir)


# ---- the TSA log --------------------------------------------------------------------------------
def test_reference_timestamp_is_found_in_the_named_tsa_log_and_the_line_kept(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    request = _request(testbed, tokens["officer"], document, tmp_path, level="B-LT")
    answer = ReferenceSigner().sign(request)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    assert OracleInspector(testbed).inspect(request, answer) == []
    kept = (tmp_path / "work" / TSA_LOG_EVIDENCE).read_text(encoding="utf-8").splitlines()
    assert len(kept) == 1
    assert kept[0] in log_path(testbed.directory).read_text(encoding="utf-8").splitlines()
    assert '"tsa":"ca-cv"' in kept[0]


def test_a_public_signature_stamped_by_another_tsa_than_named_fails(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    # ND68-29.4 says nothing about a public signer: only the log can tell whose TSA it was
    request = _request(testbed, tokens["citizen"], document, tmp_path, tsa="ca-public")
    answer = ReferenceSigner().sign(replace(request, tsa_url=testbed.urls("ca-cv")["tsa"]))
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    problems = OracleInspector(testbed).inspect(request, answer)
    assert len(problems) == 1, problems
    assert "not in the request log of the TSA of ca-public" in problems[0]
    assert "(the TSA of ca-cv issued it)" in problems[0]
    assert not (tmp_path / "work" / TSA_LOG_EVIDENCE).exists()
    # without the testbed there is no log to look in, and nothing else is wrong
    assert OracleInspector().inspect(request, answer) == []


def test_a_cong_vu_signature_is_looked_up_at_its_issuing_cas_tsa(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    request = _request(testbed, tokens["officer"], document, tmp_path, tsa="ca-public")
    answer = DefectiveSigner(Defect.FOREIGN_TSA).sign(request)  # stamped at ca-public: named
    problems = OracleInspector(testbed).inspect(request, answer)
    # the case named ca-public, but the công vụ CA publishes its own TSA (ND68-29.4)
    assert any("not in the request log of the TSA of ca-cv" in p for p in problems), problems


def test_no_timestamp_fails_the_log_check(testbed: Testbed, tokens: dict[str, str],
                                          document: Path, tmp_path: Path) -> None:
    request = _request(testbed, tokens["officer"], document, tmp_path)
    answer = DefectiveSigner(Defect.NO_TIMESTAMP).sign(request)
    problems = OracleInspector(testbed).inspect(request, answer)
    assert "asked for PAdES B-T, the output is B-B" in problems
    assert any("carries no signature timestamp" in p for p in problems), problems


# ---- the state-document appearance --------------------------------------------------------------
def _visible(testbed: Testbed, tokens: dict[str, str], document: Path,
             directory: Path) -> SignRequest:
    return _request(testbed, tokens["agency"], document, directory, visible=True,
                    appearance=ND30_APPEARANCE)


def test_reference_appearance_shows_agency_and_iso_time(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    request = _visible(testbed, tokens, document, tmp_path)
    answer = ReferenceSigner().sign(request)
    assert OracleInspector(testbed).inspect(request, answer) == []
    text = (tmp_path / "work" / APPEARANCE_EVIDENCE).read_text(encoding="utf-8")
    assert "Ký bởi: TEST Sở Tư pháp tỉnh Quảng Trị" in text
    iso = request.moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()
    assert f"Thời gian ký: {iso}" in text and iso.endswith("+07:00"), text


def test_local_appearance_misses_the_agency_and_the_iso_time(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    request = _visible(testbed, tokens, document, tmp_path)
    answer = DefectiveSigner(Defect.LOCAL_APPEARANCE).sign(request)
    problems = OracleInspector(testbed).inspect(request, answer)
    assert len(problems) == 2, problems
    assert "does not show the agency's name 'TEST Sở Tư pháp tỉnh Quảng Trị'" in problems[0]
    assert "does not show the signing time in ISO 8601 with the Vietnam offset" in problems[1]
    assert "Ngày ký: " in problems[1]


@pytest.mark.parametrize(("stamp", "problem"), [
    ("Cơ quan: %(co_quan)s\nNgày ký: %(ngay)s", "signing time in ISO 8601"),
    ("Cơ quan: %(co_quan)s\nThời gian: 2020-01-01T00:00:00+07:00", "not the signing time"),
    ("Cơ quan: %(co_quan)s\nThời gian: %(utc)s", "signing time in ISO 8601"),
    ("Thời gian ký: %(iso)s", "agency's name"),
])
def test_each_appearance_rule_on_its_own(testbed: Testbed, tokens: dict[str, str],
                                         document: Path, tmp_path: Path, stamp: str,
                                         problem: str) -> None:
    request = _visible(testbed, tokens, document, tmp_path)
    local = request.moment.astimezone(VIETNAM).replace(microsecond=0)
    values = {"co_quan": "TEST Sở Tư pháp tỉnh Quảng Trị",
              "ngay": local.strftime("%d/%m/%Y %H:%M"),
              "utc": local.astimezone(UTC).isoformat(),  # the right instant, the wrong zone
              "iso": local.isoformat()}
    answer = _naive_sign(request, stamp=(stamp, values))
    problems = OracleInspector(testbed).inspect(request, answer)
    assert len(problems) == 1 and problem in problems[0], problems


def test_an_invisible_signature_where_a_visible_one_was_asked_fails(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    request = _visible(testbed, tokens, document, tmp_path)
    answer = ReferenceSigner().sign(replace(request, visible=False))
    problems = OracleInspector(testbed).inspect(request, answer)
    assert problems == ["asked for a visible signature, the signature has no visible widget "
                        "(ND30 Annex I)"]


# ---- the format: PAdES baseline, not a plain CMS signature --------------------------------------
def test_a_cms_signature_asked_for_pades_is_a_format_problem_citing_its_requirement(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    from conformance.cases import FORMAT_REQUIREMENT

    request = _request(testbed, tokens["officer"], document, tmp_path)
    answer = DefectiveSigner(Defect.PKCS7_SUBFILTER).sign(request)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    problems = OracleInspector(testbed).inspect(request, answer)
    # timestamped at the named TSA, valid, whole file: only the format is wrong
    assert problems == [
        "asked for PAdES B-T, the signature is CMS (adbe.pkcs7.detached) (/SubFilter "
        "adbe.pkcs7.detached), not a PAdES baseline signature (ETSI.CAdES.detached, ETSI EN "
        f"319 142-1) ({FORMAT_REQUIREMENT})"], problems


def test_a_cms_signature_without_the_timestamp_asked_for_fails_both_ways(
        testbed: Testbed, tokens: dict[str, str], document: Path, tmp_path: Path) -> None:
    from pyhanko.sign.fields import SigSeedSubFilter

    request = _request(testbed, tokens["officer"], document, tmp_path)
    answer = _naive_sign(replace(request, level="B-B"),
                         subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED)
    problems = OracleInspector(testbed).inspect(request, answer)
    assert "not a PAdES baseline signature" in problems[0], problems
    assert "asked for PAdES B-T, the signature carries only what B-B needs (signature " \
        "timestamp, validation data, archive timestamp)" in problems
