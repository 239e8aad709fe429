"""The CMS / CAdES attack families (testbed.cms_attacks) against the reference CMS verifier,
its defective variants and ``openssl cms -verify``, on the live testbed with a real token.

Each attack is made from a genuine ``.p7s`` by a SoftHSM token; the degraded CAdES signature is
signed again with the victim's own token key (a defective signer), so that only the CAdES
requirement can catch it. The reference must never answer TOTAL-PASSED; each defective
verifier must accept the attack its relaxed check catches, and still pass the genuine file.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.reference.cms_levels import CmsLevel
from conformance.reference.cms_signing import sign_file
from conformance.reference.cms_verifying import verify_cms
from conformance.reference.defects import attack_verifiers as defects
from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signer import testbed_trust_roots as roots_of
from conformance.verdict import Indication, SignerOutcome, SubIndication, VerifierAnswer
from testbed import cms_attacks as attacks
from testbed import word_document, zip_package
from testbed.session import Testbed
from tests.conformance.attack_helpers import victim_key
from tests.conformance.xml_helpers import token

FORGED = word_document(["Quyết định bổ sung kinh phí 900.000.000 đồng (giả mạo)"])
FAILED = Indication.TOTAL_FAILED
EXPECTED: dict[str, tuple[Indication, SubIndication]] = {
    "swapped-content": (FAILED, SubIndication.HASH_FAILURE),
    "forged-message-digest": (FAILED, SubIndication.SIG_CRYPTO_FAILURE),
    "content-type-mismatch": (FAILED, SubIndication.FORMAT_FAILURE),
    "without-signing-certificate": (FAILED, SubIndication.FORMAT_FAILURE),
    "foreign-timestamp": (FAILED, SubIndication.HASH_FAILURE),
}
"""The reference's verdict on each attack, CAdES expected (EN 319 102-1)."""

DEFECT_FOR: dict[str, Callable[..., VerifierAnswer]] = {
    "swapped-content": defects.cms_ignoring_message_digest,
    "forged-message-digest": defects.cms_digest_without_signature,
    "content-type-mismatch": defects.cms_ignoring_content_type,
    "without-signing-certificate": defects.cms_plain_as_cades,
    "foreign-timestamp": defects.cms_dropping_bad_timestamps,
}

OPENSSL_ACCEPTS = {
    "genuine": True,
    "swapped-content": False,
    "forged-message-digest": False,
    # accepted: openssl does not compare the content-type attribute with eContentType
    # (RFC 5652 11.1 requires them equal; a finding)
    "content-type-mismatch": True,
    "without-signing-certificate": True,  # plain CMS is valid CMS: openssl knows no CAdES
    "foreign-timestamp": True,  # openssl does not check signature timestamps (a finding)
}
"""What ``openssl cms -verify`` said of each attack, measured."""


class Made:
    def __init__(self, content: bytes, genuine: bytes,
                 attacks_made: dict[str, tuple[bytes, bytes]]) -> None:
        self.content, self.genuine, self.attacks = content, genuine, attacks_made


def _signed(testbed: Testbed, label: str, source: Path, output: Path) -> bytes:
    access, roots, tsa_url, now = signing_context_from_testbed(testbed, label)
    answer = sign_file(source, output, access=access, pin=testbed.tokens.user_pin(label),
                       trust_roots=roots, moment=now, tsa_url=tsa_url, level=CmsLevel.B_T)
    assert answer.outcome is SignerOutcome.SIGNED, answer.reason
    return output.read_bytes()


@pytest.fixture(scope="module")
def made(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Made:
    directory = tmp_path_factory.mktemp("cms-attacks")
    label = token(testbed, "cms-attacks")
    document, package = directory / "quyet-dinh.docx", directory / "ho-so.zip"
    document.write_bytes(word_document(["Quyết định bổ sung kinh phí 9.000.000 đồng"]))
    package.write_bytes(zip_package())
    genuine = _signed(testbed, label, document, directory / "quyet-dinh.p7s")
    donor = _signed(testbed, label, package, directory / "ho-so.p7s")
    content = document.read_bytes()
    with victim_key(testbed, label) as key:
        degraded = attacks.without_signing_certificate(genuine, key)
    return Made(content, genuine, {
        "swapped-content": (genuine, attacks.swapped_content(content)),
        "forged-message-digest": (attacks.forged_message_digest(genuine, FORGED), FORGED),
        "content-type-mismatch": (attacks.content_type_mismatch(genuine), content),
        "without-signing-certificate": (degraded, content),
        "foreign-timestamp": (attacks.foreign_timestamp(genuine, donor), content),
    })


def _verdict(answer: VerifierAnswer) -> tuple[Indication, SubIndication | None]:
    assert answer.error is None, answer.error
    (signature,) = answer.signatures
    return signature.indication, signature.sub_indication


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_reference_sees_through_each_attack(testbed: Testbed, made: Made,
                                                name: str) -> None:
    signature, content = made.attacks[name]
    answer = verify_cms(signature, content, roots_of(testbed), at=testbed.now(),
                        expect_cades=True)
    assert _verdict(answer) == EXPECTED[name], answer.display


def test_the_genuine_signature_and_the_degraded_one_as_plain_cms_pass(
        testbed: Testbed, made: Made) -> None:
    """The controls: the genuine .p7s passes; the degraded one fails only because CAdES is
    expected (its re-signed attributes are sound: as plain CMS it passes)."""
    for signature, cades in ((made.genuine, True),
                             (made.attacks["without-signing-certificate"][0], False)):
        answer = verify_cms(signature, made.content, roots_of(testbed), at=testbed.now(),
                            expect_cades=cades)
        assert _verdict(answer) == (Indication.TOTAL_PASSED, None), answer.display


@pytest.mark.parametrize("name", list(DEFECT_FOR))
def test_each_defective_verifier_passes_its_attack(testbed: Testbed, made: Made,
                                                   name: str) -> None:
    signature, content = made.attacks[name]
    defect = DEFECT_FOR[name]
    answer = defect(signature, content, roots_of(testbed), at=testbed.now(), expect_cades=True)
    assert _verdict(answer) == (Indication.TOTAL_PASSED, None), (name, answer.display)
    genuine = defect(made.genuine, made.content, roots_of(testbed), at=testbed.now(),
                     expect_cades=True)
    assert _verdict(genuine) == (Indication.TOTAL_PASSED, None)


def _roots_file(testbed: Testbed, directory: Path) -> Path:
    path = directory / "roots.pem"
    path.write_text("".join(testbed.trust_anchor_paths()[label].read_text()
                            for label in ("root-cv", "root-neac")))
    return path


def test_openssl_on_every_attack(testbed: Testbed, made: Made, tmp_path: Path) -> None:
    """``openssl cms -verify`` as the independent client: what it accepts is recorded."""
    roots = _roots_file(testbed, tmp_path)
    said = {}
    for name, (signature, content) in {"genuine": (made.genuine, made.content),
                                       **made.attacks}.items():
        (tmp_path / f"{name}.p7s").write_bytes(signature)
        (tmp_path / f"{name}.bin").write_bytes(content)
        checked = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER",
             "-in", str(tmp_path / f"{name}.p7s"), "-content", str(tmp_path / f"{name}.bin"),
             "-CAfile", str(roots), "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True, timeout=60, check=False)
        said[name] = checked.returncode == 0
    assert said == OPENSSL_ACCEPTS
