"""The XML attack families (testbed.xml_attacks) against the reference XML verifier, its
defective variants and Debian's xmlsec1, on the live testbed with a real token.

Every attack is made from a genuine signature by a SoftHSM token; those that need a signature
valid in every other respect are signed again with the victim's own token key, so that only
the check under test can catch them. The reference must never answer TOTAL-PASSED, must never
fetch a remote reference or an entity (a real HTTP listener on 127.0.0.1 records every request)
and must never show the content of a local file an entity names; each defective verifier, the
reference with one check relaxed, must accept the attack that check catches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.defects import attack_verifiers as defects
from conformance.reference.signature_levels import SignatureLevel
from conformance.reference.signer import testbed_trust_roots as roots_of
from conformance.reference.xml_building import XmlForm
from conformance.verdict import Indication, SignerOutcome, SubIndication, VerifierAnswer
from testbed import xml_attacks as attacks
from testbed.session import Testbed
from testbed.xml_resigning import resign
from tests.conformance.attack_helpers import SERVED, Listener, listening, victim_key
from tests.conformance.xml_helpers import (
    needs_xmlsec1,
    sign,
    token,
    verify,
    write_documents,
    xmlsec1_verify,
)

SECRET = "BÍ-MẬT-kyso-7f3a: nội dung tệp cục bộ"
"""What the local file an entity names holds: it must appear in no output."""

FAILED, UNDECIDED = Indication.TOTAL_FAILED, Indication.INDETERMINATE
EXPECTED: dict[str, tuple[Indication, SubIndication] | None] = {
    # the signature verifies, but the document shows content no Reference covers: the
    # constraint "what is shown is what was signed" fails (not a cryptographic failure)
    "wrap": (UNDECIDED, SubIndication.SIG_CONSTRAINTS_FAILURE),
    "wrap-outside": (UNDECIDED, SubIndication.SIG_CONSTRAINTS_FAILURE),
    # two elements answer one Id: the signed data object is ambiguous, not well-formed
    # XML-DSig (signxml refuses the reference)
    "duplicate-id": (FAILED, SubIndication.FORMAT_FAILURE),
    # digests intact (c14n drops comments), the comment itself unsigned: as "wrap"
    "comment": (UNDECIDED, SubIndication.SIG_CONSTRAINTS_FAILURE),
    # whitespace in text is significant in canonical XML: the digest differs
    "whitespace-in-text": (FAILED, SubIndication.HASH_FAILURE),
    # cryptographically perfect; the certificate has no path to a trust anchor
    "attacker-keyinfo": (UNDECIDED, SubIndication.NO_CERTIFICATE_CHAIN_FOUND),
    # EN 319 132-1 requires SignedProperties under a Reference: not XAdES at all
    "unsigned-signed-properties": (FAILED, SubIndication.FORMAT_FAILURE),
    # the validation policy admits c14n and enveloped-signature transforms only: refused
    # before anything runs (nothing proves the signature false: INDETERMINATE)
    "xslt": (UNDECIDED, SubIndication.SIG_CONSTRAINTS_FAILURE),
    "xpath": (UNDECIDED, SubIndication.SIG_CONSTRAINTS_FAILURE),
    # a signed data object the verifier will not fetch: it cannot be found
    "external-reference": (UNDECIDED, SubIndication.SIGNED_DATA_NOT_FOUND),
    "external-entity": None,  # no signature is read at all: the DOCTYPE is refused
}
"""The reference's verdict on each attack (EN 319 102-1 indication and sub-indication)."""

DEFECT_FOR: dict[str, Callable[..., VerifierAnswer]] = {
    "wrap": defects.xml_ignoring_coverage,
    "wrap-outside": defects.xml_ignoring_coverage,
    "duplicate-id": defects.xml_last_id_wins,
    "comment": defects.xml_ignoring_comments,
    "attacker-keyinfo": defects.xml_trusting_keyinfo,
    "unsigned-signed-properties": defects.xml_plain_for_xades,
    "xslt": defects.xml_skipping_unknown_transforms,
    "xpath": defects.xml_running_xpath_filters,
    "external-reference": defects.xml_fetching_references,
    "external-entity": defects.xml_resolving_entities,
}


class Made:
    """The genuine signatures and every attack made from them."""

    def __init__(self, invoice: bytes, xades: bytes, attacks_made: dict[str, bytes],
                 controls: dict[str, bytes], listener: Listener, secret: Path) -> None:
        self.invoice, self.xades, self.attacks = invoice, xades, attacks_made
        self.controls, self.listener, self.secret = controls, listener, secret


def _attacks(invoice: bytes, xades: bytes, key: Any, url: str, secret: Path
             ) -> dict[str, bytes]:
    return {
        "wrap": attacks.wrap_signed_element(invoice),
        "wrap-outside": attacks.wrap_signed_element(invoice, inside_signature=False),
        "duplicate-id": attacks.duplicate_id(invoice),
        "comment": attacks.comment_in_signed_text(invoice),
        "whitespace-in-text": attacks.whitespace_in_signed_text(invoice),
        "attacker-keyinfo": attacks.attacker_keyinfo(invoice),
        "unsigned-signed-properties": attacks.unsigned_signed_properties(xades, key),
        "xslt": attacks.xslt_transform(invoice, f"{url}/xslt", key),
        "xpath": attacks.xpath_transform(invoice, key),
        "external-reference": attacks.external_reference(invoice, f"{url}/reference", SERVED,
                                                         key),
        "external-entity": attacks.external_entity(invoice, str(secret), f"{url}/entity"),
    }


def _resigned(signed: bytes, key: Any) -> bytes:
    """The untouched document signed again by the helper the attacks use: a control that
    the re-signing itself is sound (so a failure comes from the attack)."""
    from lxml import etree

    root = etree.fromstring(signed)
    resign(root, root.find(".//{http://www.w3.org/2000/09/xmldsig#}Signature"), key)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


@pytest.fixture(scope="module")
def made(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Made]:
    directory = tmp_path_factory.mktemp("xml-attacks")
    documents = write_documents(directory)
    label = token(testbed, "xml-attacks")
    invoice, xades = directory / "hoa-don.signed.xml", directory / "cong-van.signed.xml"
    assert sign(testbed, label, documents["hoa-don"], invoice,
                form=XmlForm.XMLDSIG_ENVELOPED).outcome is SignerOutcome.SIGNED
    assert sign(testbed, label, documents["cong-van"], xades,
                level=SignatureLevel.B_B).outcome is SignerOutcome.SIGNED
    secret = directory / "bi-mat.txt"
    secret.write_text(SECRET, encoding="utf-8")
    with listening() as listener, victim_key(testbed, label) as key:
        made_now = _attacks(invoice.read_bytes(), xades.read_bytes(), key, listener.url, secret)
        controls = {"whitespace-in-tags": attacks.whitespace_in_tags(invoice.read_bytes()),
                    "resigned-invoice": _resigned(invoice.read_bytes(), key),
                    "resigned-xades": _resigned(xades.read_bytes(), key)}
        yield Made(invoice.read_bytes(), xades.read_bytes(), made_now, controls, listener,
                   secret)


def _verdict(answer: VerifierAnswer) -> tuple[Indication, SubIndication | None] | None:
    if answer.error is not None:
        return None
    (signature,) = answer.signatures
    return signature.indication, signature.sub_indication


def _text(answer: VerifierAnswer) -> str:
    return answer.model_dump_json()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_reference_sees_through_each_attack_and_fetches_nothing(
        testbed: Testbed, made: Made, name: str) -> None:
    before = list(made.listener.requests)
    answer = verify(testbed, made.attacks[name])
    assert _verdict(answer) == EXPECTED[name], answer.display
    assert all(s.indication is not Indication.TOTAL_PASSED for s in answer.signatures)
    assert made.listener.requests == before, made.listener.requests
    assert SECRET not in _text(answer) and "BÍ-MẬT" not in _text(answer)
    if name == "external-entity":
        assert answer.error is not None and "DOCTYPE" in answer.error


def test_the_controls_pass(testbed: Testbed, made: Made) -> None:
    """Whitespace inside tags changes nothing canonical; the re-signing helper alone breaks
    nothing (so each failure above is the attack's)."""
    for name, document in made.controls.items():
        assert _verdict(verify(testbed, document)) == (Indication.TOTAL_PASSED, None), name
    for document in (made.invoice, made.xades):
        assert _verdict(verify(testbed, document)) == (Indication.TOTAL_PASSED, None)


def test_the_comment_attack_changes_what_a_careless_reader_shows(made: Made) -> None:
    from lxml import etree

    total = etree.fromstring(made.attacks["comment"]).find(".//TgTTTBSo")
    assert total is not None and total.text != attacks.SIGNED_TOTAL
    assert "".join(total.itertext()) == attacks.SIGNED_TOTAL


@pytest.mark.parametrize("name", list(DEFECT_FOR))
def test_each_defective_verifier_passes_its_attack(testbed: Testbed, made: Made,
                                                   name: str) -> None:
    before = len(made.listener.requests)
    answer = DEFECT_FOR[name](made.attacks[name], roots_of(testbed),
                              at=testbed.now())
    assert _verdict(answer) == (Indication.TOTAL_PASSED, None), (name, answer.display)
    if name == "external-reference":
        assert made.listener.requests[before:] == ["/reference"]
    if name == "external-entity":  # the defect reads the local file the entity names
        assert SECRET in defects.resolved_document(made.attacks[name]).decode()
    # the defect accepts the attack only: the genuine signature still passes under it too
    genuine = made.xades if name == "unsigned-signed-properties" else made.invoice
    assert _verdict(DEFECT_FOR[name](genuine, roots_of(testbed),
                                     at=testbed.now())) == (Indication.TOTAL_PASSED, None)


def _roots_file(testbed: Testbed, directory: Path) -> Path:
    path = directory / "roots.pem"
    path.write_text("".join(testbed.trust_anchor_paths()[label].read_text()
                            for label in ("root-cv", "root-neac")))
    return path


@needs_xmlsec1
def test_xmlsec1_on_every_attack(testbed: Testbed, made: Made, tmp_path: Path) -> None:
    """Debian's xmlsec1 as an independent verifier: it must accept the genuine signatures;
    what it says of each attack is recorded (an acceptance is a finding about xmlsec1)."""
    roots = _roots_file(testbed, tmp_path)
    said = {}
    for name, document in {"genuine": made.invoice, **made.attacks}.items():
        path = tmp_path / f"{name}.xml"
        path.write_bytes(document)
        before = len(made.listener.requests)
        checked = xmlsec1_verify(path, roots)
        said[name] = (checked.returncode, made.listener.requests[before:],
                      SECRET in checked.stdout + checked.stderr)
    assert said["genuine"][0] == 0
    assert {name: (code == 0, fetched) for name, (code, fetched, _) in said.items()} == \
        XMLSEC1_SAYS
    assert not any(leaked for _, _, leaked in said.values())
    # without --enabled-reference-uris, xmlsec1's default policy for a remote Reference
    path = tmp_path / "external-reference.xml"
    before = len(made.listener.requests)
    unrestricted = xmlsec1_verify(path, roots, enabled_uris=None)
    assert (unrestricted.returncode == 0, made.listener.requests[before:]) == \
        XMLSEC1_DEFAULT_ON_EXTERNAL_REFERENCE


XMLSEC1_DEFAULT_ON_EXTERNAL_REFERENCE = (True, ["/reference"])
"""Measured: with its default Reference URI policy xmlsec1 FETCHES the remote reference from
the attacker's listener and accepts the signature (a finding: a deployment must pass
``--enabled-reference-uris``, as kyso's own xmlsec1 checks do)."""

XMLSEC1_SAYS: dict[str, tuple[bool, list[str]]] = {
    "genuine": (True, []),
    "wrap": (False, []),  # the enveloped transform empties the moved element: digest mismatch
    # accepted: xmlsec1 checks the signature, not what the application reads (classic XSW;
    # a finding: an application on libxmlsec1 must read the element the Reference resolved)
    "wrap-outside": (True, []),
    "duplicate-id": (False, []),  # "duplicate ID attribute": the document is not loaded
    "comment": (True, []),  # accepted: canonical XML drops the comment (a finding)
    "whitespace-in-text": (False, []),
    "attacker-keyinfo": (False, []),  # X509_verify_cert: no chain to the given roots
    "unsigned-signed-properties": (True, []),  # accepted: xmlsec1 knows no XAdES (a finding)
    "xslt": (False, []),  # xmlsec1 RUNS the stylesheet; libxslt's document() fails, no fetch
    "xpath": (False, []),  # xmlsec1 runs the filter (digest over the forged total: mismatch)
    "external-reference": (False, []),  # refused by --enabled-reference-uris empty,same-doc
    "external-entity": (False, []),  # entities not substituted: c14n error on the entity ref
}
"""What xmlsec1 answered (accepted?, what it fetched), measured on the attacks."""
