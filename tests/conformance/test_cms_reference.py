"""The reference CMS / CAdES signer and verifier on real SoftHSM tokens and the live testbed.

A ``.docx``, a ``.zip`` and a PDF's bytes are signed detached (``.p7s``, DER) at every level;
the reference verifier must answer TOTAL_PASSED with the seven TT15-6.4.b fields, and
``openssl cms -verify`` (an independent client) must accept every output. Each failure the
verifier must catch is made from a good signature with the field's libraries (asn1crypto):
swapped content, a revoked or expired signer, an untrusted root, a signature timestamp taken
from another signature, a CMS without signing-certificate-v2 where CAdES is expected.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms, pem

from conformance.oracle import OracleOptions
from conformance.reference.cms_levels import CmsLevel
from conformance.reference.cms_signing import sign_file
from conformance.reference.cms_verifying import verify_cms
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signer import testbed_trust_roots as trust_roots_of
from conformance.verdict import (
    DisplayField,
    Indication,
    SignerAnswer,
    SignerOutcome,
    SubIndication,
    VerifierAnswer,
)
from testbed import word_document, zip_package
from testbed.ca.branches import Branch
from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.file_documents import word_document_text
from testbed.service_modes import ServiceMode
from testbed.session import Testbed

SIGNER = VietnameseName(common_name="Trần Văn Đức", title="Chánh Văn phòng",
                        organization="Sở Tư pháp tỉnh Đồng Tháp", locality="Đồng Tháp")
FILES = {"quyet-dinh.docx": word_document, "ho-so.zip": zip_package,
         "quyet-dinh.pdf": administrative_document}


def _token(testbed: Testbed, subscriber: str, key_type: str = "p256", **options: Any) -> str:
    token, _ = testbed.tokens.create(
        subscriber, key_type=key_type,
        name=SIGNER.model_copy(update={"common_name": f"{SIGNER.common_name} {subscriber}"}),
        **options)
    return token.label


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("cms-input")
    paths = {}
    for name, build in FILES.items():
        paths[name] = directory / name
        paths[name].write_bytes(build())
    return paths


@pytest.fixture(scope="module")
def signer_label(testbed: Testbed) -> str:
    return _token(testbed, "cms-signer")


def _sign(testbed: Testbed, label: str, source: Path, output: Path, **options: Any
          ) -> SignerAnswer:
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    options.setdefault("level", CmsLevel.B_B)
    return sign_file(source, output, access=access, pin=testbed.tokens.user_pin(label),
                     trust_roots=roots, moment=now, tsa_url=tsa_url, **options)


def _verify(testbed: Testbed, signature: Path | bytes, content: Path | bytes | None,
            **options: Any) -> VerifierAnswer:
    options.setdefault("at", testbed.now())
    return verify_cms(signature, content, trust_roots_of(testbed), **options)


def _roots_file(testbed: Testbed, directory: Path) -> Path:
    path = directory / "roots.pem"
    path.write_text("".join(testbed.trust_anchor_paths()[label].read_text()
                            for label in ("root-cv", "root-neac")))
    return path


def _openssl_verify(signature: Path, content: Path | None, roots: Path,
                    *extra: str) -> subprocess.CompletedProcess[str]:
    command = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature),
               "-CAfile", str(roots), "-purpose", "any", "-out", "/dev/null", *extra]
    if content is not None:
        command += ["-content", str(content)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _passed(answer: VerifierAnswer) -> None:
    assert answer.error is None, answer.error
    (signature,) = answer.signatures
    assert signature.indication is Indication.TOTAL_PASSED, answer.display
    for field in DisplayField:
        assert signature.display.get(field.value), field
    assert signature.display[DisplayField.INTEGRITY.value].startswith("Toàn vẹn")


def _signed_attribute_types(path: Path) -> set[str]:
    info = cms.ContentInfo.load(path.read_bytes())
    return {attribute["type"].native
            for attribute in info["content"]["signer_infos"][0]["signed_attrs"]}


# ---- every level, every file kind, and openssl as the independent client --------------------
@pytest.mark.parametrize("name", list(FILES))
def test_every_level_signs_verifies_and_openssl_accepts(
        testbed: Testbed, files: dict[str, Path], signer_label: str, tmp_path: Path,
        name: str) -> None:
    roots = _roots_file(testbed, tmp_path)
    for level in CmsLevel:
        output = tmp_path / f"{name}.{level.value}.p7s"
        answer = _sign(testbed, signer_label, files[name], output, level=level)
        assert answer.outcome is SignerOutcome.SIGNED, answer.reason
        assert answer.display is not None and answer.display.startswith("Đã ký.")
        assert level.label in answer.display and answer.warnings == []
        types = _signed_attribute_types(output)
        assert {"content_type", "message_digest", "signing_time"} <= types
        assert ("signing_certificate_v2" in types) is level.cades
        verified = _verify(testbed, output, files[name], expect_cades=level.cades)
        _passed(verified)
        (signature,) = verified.signatures
        shown = verified.display or ""
        assert ("CAdES baseline" in shown) is level.cades, shown
        if level.timestamped:
            assert "(theo dấu thời gian)" in signature.display[DisplayField.SIGNING_TIME.value]
        checked = _openssl_verify(output, files[name], roots)
        assert checked.returncode == 0, checked.stderr
        assert "Verification successful" in checked.stderr


def test_b_lt_carries_its_validation_data_and_verifies_offline(
        testbed: Testbed, files: dict[str, Path], signer_label: str, tmp_path: Path) -> None:
    source = files["quyet-dinh.docx"]
    for level in (CmsLevel.B_T, CmsLevel.B_LT):
        output = tmp_path / f"{level.value}.p7s"
        assert _sign(testbed, signer_label, source, output, level=level).outcome \
            is SignerOutcome.SIGNED
    signed_data = cms.ContentInfo.load((tmp_path / "B-LT.p7s").read_bytes())["content"]
    kinds = [choice.name for choice in signed_data["crls"]]
    assert "crl" in kinds and "other" in kinds  # CRLs, and OCSP responses (RFC 5940)
    offline = OracleOptions(fetch_revocation_online=False)
    _passed(_verify(testbed, tmp_path / "B-LT.p7s", source, options=offline))
    # the mutant: the same signature without the carried data cannot be checked offline
    bare = _verify(testbed, tmp_path / "B-T.p7s", source, options=offline)
    assert bare.signatures[0].indication is not Indication.TOTAL_PASSED
    # openssl, checking every certificate against CRLs, finds them in the B-LT signature only
    roots = _roots_file(testbed, tmp_path)
    assert _openssl_verify(tmp_path / "B-LT.p7s", source, roots, "-crl_check_all").returncode == 0
    assert _openssl_verify(tmp_path / "B-T.p7s", source, roots, "-crl_check_all").returncode != 0


def test_rsa_key_and_enveloping_signature(testbed: Testbed, files: dict[str, Path],
                                          tmp_path: Path) -> None:
    label = _token(testbed, "cms-rsa", "rsa2048")
    output = tmp_path / "enveloping.p7s"
    answer = _sign(testbed, label, files["ho-so.zip"], output, level=CmsLevel.B_T,
                   attached=True)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    _passed(_verify(testbed, output, None, expect_cades=True))
    info = cms.ContentInfo.load(output.read_bytes())
    assert info["content"]["encap_content_info"]["content"].native == \
        files["ho-so.zip"].read_bytes()
    checked = _openssl_verify(output, None, _roots_file(testbed, tmp_path))
    assert checked.returncode == 0, checked.stderr


# ---- failures the verifier must catch ------------------------------------------------------
def test_swapped_content_fails(testbed: Testbed, files: dict[str, Path], signer_label: str,
                               tmp_path: Path) -> None:
    output = tmp_path / "docx.p7s"
    _sign(testbed, signer_label, files["quyet-dinh.docx"], output, level=CmsLevel.B_T)
    changed = tmp_path / "changed.docx"
    changed.write_bytes(word_document(["Quyết định đã bị sửa sau khi ký"]))
    assert word_document_text(changed.read_bytes()) == ["Quyết định đã bị sửa sau khi ký"]
    for content in (changed, files["ho-so.zip"]):
        answer = _verify(testbed, output, content)
        (signature,) = answer.signatures
        assert signature.indication is Indication.TOTAL_FAILED
        assert signature.sub_indication is SubIndication.HASH_FAILURE
        assert signature.display[DisplayField.INTEGRITY.value].startswith("Không toàn vẹn")
        checked = _openssl_verify(output, content, _roots_file(testbed, tmp_path))
        assert checked.returncode != 0


def test_revoked_signer_refused_and_its_earlier_signature_fails(
        testbed: Testbed, files: dict[str, Path], tmp_path: Path) -> None:
    label = _token(testbed, "cms-revoked")
    earlier = tmp_path / "before-revocation.p7s"
    assert _sign(testbed, label, files["ho-so.zip"], earlier).outcome is SignerOutcome.SIGNED
    testbed.revoke(testbed.state.token(label).certificate)
    output = tmp_path / "after.p7s"
    answer = _sign(testbed, label, files["ho-so.zip"], output)
    assert answer.outcome is SignerOutcome.REFUSED and not output.exists()
    assert answer.display is not None and answer.display.startswith("Chưa ký.")
    assert "thu hồi" in (answer.reason or "")
    # a B-B signature: nothing proves it was made before the revocation
    (signature,) = _verify(testbed, earlier, files["ho-so.zip"]).signatures
    assert signature.indication is not Indication.TOTAL_PASSED
    assert "thu hồi" in signature.display[DisplayField.VALIDITY_AT_SIGNING_TIME.value]


def test_signature_timestamp_proves_it_was_made_before_the_revocation(
        testbed: Testbed, files: dict[str, Path], tmp_path: Path, restore_clock: None) -> None:
    label = _token(testbed, "cms-revoked-later")
    stamped, bare = tmp_path / "b-t.p7s", tmp_path / "b-b.p7s"
    for output, level in ((stamped, CmsLevel.B_T), (bare, CmsLevel.B_B)):
        assert _sign(testbed, label, files["ho-so.zip"], output, level=level).outcome \
            is SignerOutcome.SIGNED
    testbed.advance_clock(timedelta(hours=1))
    testbed.revoke(testbed.state.token(label).certificate)
    testbed.advance_clock(timedelta(hours=1))
    (later,) = _verify(testbed, stamped, files["ho-so.zip"]).signatures
    assert later.indication is Indication.TOTAL_PASSED, later
    assert "thu hồi sau thời điểm ký" in later.display[DisplayField.VALIDITY_AT_SIGNING_TIME.value]
    (unproven,) = _verify(testbed, bare, files["ho-so.zip"]).signatures
    assert unproven.indication is Indication.INDETERMINATE
    assert unproven.sub_indication is SubIndication.REVOKED_NO_POE


def test_content_type_that_is_not_the_signed_one_fails(
        testbed: Testbed, files: dict[str, Path], signer_label: str, tmp_path: Path) -> None:
    output = tmp_path / "docx.p7s"
    _sign(testbed, signer_label, files["quyet-dinh.docx"], output, level=CmsLevel.B_B)
    info = cms.ContentInfo.load(output.read_bytes())
    encapsulated = info["content"]["encap_content_info"]
    # eContentType is outside the signature; the signed content-type attribute says "data"
    info["content"]["encap_content_info"] = type(encapsulated)({"content_type": "tst_info"})
    mutated = cms.ContentInfo({"content_type": "signed_data", "content": info["content"]}).dump()
    assert mutated != output.read_bytes()
    (signature,) = _verify(testbed, mutated, files["quyet-dinh.docx"]).signatures
    assert signature.indication is Indication.TOTAL_FAILED, signature


def test_expired_signer_refused_its_b_b_fails_its_b_t_passes(
        testbed: Testbed, files: dict[str, Path], tmp_path: Path, restore_clock: None) -> None:
    label = _token(testbed, "cms-expired", validity=timedelta(days=1))
    testbed.advance_clock(timedelta(hours=1))
    stamped, bare = tmp_path / "b-t.p7s", tmp_path / "b-b.p7s"
    for output, level in ((stamped, CmsLevel.B_T), (bare, CmsLevel.B_B)):
        assert _sign(testbed, label, files["quyet-dinh.docx"], output, level=level).outcome \
            is SignerOutcome.SIGNED
    testbed.advance_clock(timedelta(days=2))
    output = tmp_path / "expired.p7s"
    answer = _sign(testbed, label, files["quyet-dinh.docx"], output)
    assert answer.outcome is SignerOutcome.REFUSED and not output.exists()
    assert "hết hạn" in (answer.reason or "")
    (unproven,) = _verify(testbed, bare, files["quyet-dinh.docx"]).signatures
    assert unproven.indication is not Indication.TOTAL_PASSED
    assert unproven.sub_indication in {SubIndication.OUT_OF_BOUNDS_NO_POE,
                                       SubIndication.EXPIRED}, unproven
    (proven,) = _verify(testbed, stamped, files["quyet-dinh.docx"]).signatures
    assert proven.indication is Indication.TOTAL_PASSED, proven


def test_untrusted_root_refused_and_not_verified(testbed: Testbed, files: dict[str, Path],
                                                 signer_label: str, tmp_path: Path) -> None:
    label = _token(testbed, "cms-untrusted", branch=Branch.OTHER)
    output = tmp_path / "untrusted.p7s"
    answer = _sign(testbed, label, files["ho-so.zip"], output)
    assert answer.outcome is SignerOutcome.REFUSED and not output.exists()
    assert "gốc tin cậy" in (answer.reason or "")
    good = tmp_path / "good.p7s"
    _sign(testbed, signer_label, files["ho-so.zip"], good)
    answer = verify_cms(good, files["ho-so.zip"], [], at=testbed.now())
    (signature,) = answer.signatures
    assert signature.indication is Indication.INDETERMINATE
    assert signature.sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def _with_timestamp_of(target: Path, donor: Path) -> bytes:
    """``target``'s CMS with its signature-time-stamp replaced by ``donor``'s: a real token
    from the testbed's TSA, over another signature's value (asn1crypto, no hand-made DER)."""
    info = cms.ContentInfo.load(target.read_bytes())
    donor_info = cms.ContentInfo.load(donor.read_bytes())
    signer_info = info["content"]["signer_infos"][0]
    signer_info["unsigned_attrs"] = donor_info["content"]["signer_infos"][0]["unsigned_attrs"]
    return cms.ContentInfo({"content_type": "signed_data", "content": info["content"]}).dump(
        force=False)


def test_timestamp_over_another_signature_fails(testbed: Testbed, files: dict[str, Path],
                                                signer_label: str, tmp_path: Path) -> None:
    target, donor = tmp_path / "target.p7s", tmp_path / "donor.p7s"
    _sign(testbed, signer_label, files["ho-so.zip"], target, level=CmsLevel.B_T)
    _sign(testbed, signer_label, files["quyet-dinh.docx"], donor, level=CmsLevel.B_T)
    forged = _with_timestamp_of(target, donor)
    assert forged != target.read_bytes()
    (signature,) = _verify(testbed, forged, files["ho-so.zip"]).signatures
    # the token's message imprint is the digest of the donor's signature value, not this one's
    assert signature.indication is Indication.TOTAL_FAILED, signature
    (good,) = _verify(testbed, target, files["ho-so.zip"]).signatures
    assert good.indication is Indication.TOTAL_PASSED


def test_plain_cms_is_not_cades(testbed: Testbed, files: dict[str, Path], signer_label: str,
                                tmp_path: Path) -> None:
    output = tmp_path / "plain.p7s"
    _sign(testbed, signer_label, files["quyet-dinh.pdf"], output, level=CmsLevel.CMS)
    plain = _verify(testbed, output, files["quyet-dinh.pdf"])
    _passed(plain)
    assert "CMS (RFC 5652)" in (plain.display or "") and "CAdES" not in (plain.display or "")
    armoured = pem.armor("CMS", output.read_bytes())  # a PEM .p7s is read too
    _passed(_verify(testbed, armoured, files["quyet-dinh.pdf"]))
    (signature,) = _verify(testbed, output, files["quyet-dinh.pdf"],
                           expect_cades=True).signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE


def test_bad_input_is_an_error_not_a_crash(testbed: Testbed, files: dict[str, Path],
                                           signer_label: str, tmp_path: Path) -> None:
    answer = _verify(testbed, files["ho-so.zip"], files["ho-so.zip"])
    assert answer.error is not None and "không kiểm tra được chữ ký" in answer.error
    output = tmp_path / "detached.p7s"
    _sign(testbed, signer_label, files["ho-so.zip"], output)
    missing = _verify(testbed, output, None)
    assert missing.error is not None and "không có tệp nội dung" in missing.error


# ---- the signer's other ways of not signing, and its warning --------------------------------
def test_revocation_status_unobtainable_signs_with_a_warning(
        testbed: Testbed, files: dict[str, Path], tmp_path: Path,
        restore_services: None) -> None:
    label = _token(testbed, "cms-outage")
    testbed.set_service("ocsp:ca-cv", ServiceMode.HTTP_500)
    testbed.set_service("crl:ca-cv", ServiceMode.HTTP_500)
    output = tmp_path / "out.p7s"
    answer = _sign(testbed, label, files["quyet-dinh.docx"], output, level=CmsLevel.B_LT)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    assert any("OCSP" in warning and "1.2" in warning for warning in answer.warnings)
    assert any("chưa đầy đủ" in warning for warning in answer.warnings)  # incomplete B-LT
    assert answer.display is not None and "Cảnh báo" in answer.display
    testbed.set_service("ocsp:ca-cv", ServiceMode.NORMAL)
    testbed.set_service("crl:ca-cv", ServiceMode.NORMAL)
    _passed(_verify(testbed, output, files["quyet-dinh.docx"]))


def test_timestamp_authority_down_refuses_a_b_t_signature(
        testbed: Testbed, files: dict[str, Path], signer_label: str, tmp_path: Path,
        restore_services: None) -> None:
    testbed.set_service("tsa:ca-cv", ServiceMode.HTTP_500)
    output = tmp_path / "out.p7s"
    answer = _sign(testbed, signer_label, files["ho-so.zip"], output, level=CmsLevel.B_T)
    assert answer.outcome is SignerOutcome.REFUSED and not output.exists()
    assert "dấu thời gian" in (answer.reason or "") and "timestamp" in (answer.reason or "")


def test_wrong_pin_is_refused(testbed: Testbed, files: dict[str, Path], tmp_path: Path) -> None:
    label = _token(testbed, "cms-wrong-pin")
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    output = tmp_path / "out.p7s"
    answer = sign_file(files["ho-so.zip"], output, access=access, pin="000000",
                       trust_roots=roots, moment=now, tsa_url=tsa_url, level=CmsLevel.B_B)
    assert answer.outcome is SignerOutcome.REFUSED and not output.exists()
    assert "Sai mã PIN" in (answer.reason or "")


def _parallel(first: Path, second: Path) -> bytes:
    """One SignedData holding both signers of two detached signatures over the same content
    (parallel signatures: a personal signature and an organisation's seal), merged with
    asn1crypto: both SignerInfos and every certificate of either."""
    merged = cms.ContentInfo.load(first.read_bytes())
    other = cms.ContentInfo.load(second.read_bytes())["content"]
    signed_data = merged["content"]
    present = {choice.dump() for choice in signed_data["certificates"]}
    signed_data["certificates"] = cms.CertificateSet(
        [*signed_data["certificates"],
         *(choice for choice in other["certificates"] if choice.dump() not in present)])
    signed_data["signer_infos"] = cms.SignerInfos(
        [*signed_data["signer_infos"], *other["signer_infos"]])
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def test_parallel_signers_are_each_verified(testbed: Testbed, files: dict[str, Path],
                                            signer_label: str, tmp_path: Path) -> None:
    seal_label = _token(testbed, "cms-seal", "rsa2048")
    personal, seal = tmp_path / "personal.p7s", tmp_path / "seal.p7s"
    _sign(testbed, signer_label, files["ho-so.zip"], personal, level=CmsLevel.B_T)
    _sign(testbed, seal_label, files["ho-so.zip"], seal, level=CmsLevel.B_T)
    both = tmp_path / "both.p7s"
    both.write_bytes(_parallel(personal, seal))
    answer = _verify(testbed, both, files["ho-so.zip"])
    assert [s.field_name for s in answer.signatures] == ["both.p7s #1", "both.p7s #2"]
    assert all(s.indication is Indication.TOTAL_PASSED for s in answer.signatures), answer.display
    signers = [s.display[DisplayField.SIGNER.value] for s in answer.signatures]
    assert "cms-signer" in signers[0] and "cms-seal" in signers[1]
    checked = _openssl_verify(both, files["ho-so.zip"], _roots_file(testbed, tmp_path))
    assert checked.returncode == 0, checked.stderr
    # the mutant: one signer over other content fails alone, the other still passes
    other = tmp_path / "other.p7s"
    _sign(testbed, seal_label, files["quyet-dinh.docx"], other, level=CmsLevel.B_T)
    both.write_bytes(_parallel(personal, other))
    first, second = _verify(testbed, both, files["ho-so.zip"]).signatures
    assert first.indication is Indication.TOTAL_PASSED
    assert second.sub_indication is SubIndication.HASH_FAILURE


# ---- openssl as the signer, the reference verifier as the client ----------------------------
def _openssl_sign(testbed: Testbed, label: str, content: Path, directory: Path,
                  *options: str) -> Path:
    """A detached DER signature made by ``openssl cms -sign`` with a software key of the
    testbed (never a token's), its chain included."""
    chain = directory / "chain.pem"
    chain.write_text("".join(testbed.certificate_pem(record.label)
                             for record in testbed.chain(label)[1:-1]))
    certificate = directory / "signer.pem"
    certificate.write_text(testbed.certificate_pem(label))
    output = directory / f"openssl{''.join(options)}.p7s"
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
                    "-in", str(content), "-signer", str(certificate),
                    "-inkey", str(testbed.private_key_path(label)), "-certfile", str(chain),
                    "-out", str(output), *options], check=True, capture_output=True,
                   timeout=60)
    return output


def test_openssl_signatures_are_judged_by_what_they_carry(
        testbed: Testbed, files: dict[str, Path], tmp_path: Path) -> None:
    label = testbed.issue("cms-openssl", name=SIGNER).label
    content = files["quyet-dinh.docx"]
    cades = _openssl_sign(testbed, label, content, tmp_path, "-cades")
    _passed(_verify(testbed, cades, content, expect_cades=True))
    plain = _openssl_sign(testbed, label, content, tmp_path)
    _passed(_verify(testbed, plain, content))
    (signature,) = _verify(testbed, plain, content, expect_cades=True).signatures
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE  # no signing-cert-v2
    bare = _openssl_sign(testbed, label, content, tmp_path, "-noattr")
    (signature,) = _verify(testbed, bare, content).signatures
    assert signature.indication is Indication.TOTAL_FAILED
    assert signature.sub_indication is SubIndication.FORMAT_FAILURE, signature
