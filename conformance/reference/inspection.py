"""Looking at what a signer produced, with the oracle: the judge's eyes on signing checkpoints.

A signer that says "signed" is not believed on its word (TT15-5.1.b, d, e, g; Annex I 1.2–1.3):
the new signature must validate at the signing instant, be made with the key and certificate on
the token, be a PAdES baseline signature (/SubFilter ETSI.CAdES.detached, Annex I 1.5; its cost
is the policy's) carrying what the requested level needs, cover the whole file, and leave every
earlier signature as it was. A công vụ signature's timestamp must come from the TSA the công vụ
CA publishes (ND68-29.4): its certificate issued by the CA that issued the signer's.

A timestamp is not believed on its word either (TT15-5.1.e, ND68-29.4): when the case asked for
B-T or higher and named a TSA, every signature timestamp token in the new signature must be one
that TSA issued, i.e. its serial number and message imprint are in the testbed TSA's request log
(:mod:`testbed.tsa_log`; for a công vụ signer, the log of the TSA its issuing CA publishes). The
matching log lines are kept in the case's directory as evidence (``tsa-log-match.jsonl``).

A visible signature on a state document (``SignRequest.appearance`` = ``nd30-annex-i``) must
show the agency's name and the signing time in ISO 8601 with the Vietnam offset (Decree 30/2020
Annex I, SECONDARY), read from the glyphs its appearance stream draws, decoded through the
font's ToUnicode map; the text read is kept as evidence (``appearance-text.txt``).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import cms, x509

from conformance.cases import FORMAT_REQUIREMENT
from conformance.oracle import (
    PADES_SUB_FILTER,
    DocumentError,
    DocumentResult,
    OracleOptions,
    PadesLevel,
    SignatureKind,
    SignatureResult,
    first_signature_timestamp,
    open_pdf,
    signature_timestamp_tokens,
    validate_pdf,
)
from conformance.reference.appearance import (
    AppearanceError,
    appearance_text,
    shows,
    widget_rectangle,
)
from conformance.reference.format_inspection import format_problems
from conformance.reference.verifier import trust_roots_from_files
from scenarios import Indication, SignatureFormat, SignerAnswer, SignRequest, SubIndication
from testbed import VIETNAM, Branch, ProfileKind, Testbed, TestbedError, policy_oid

_LEVEL_ORDER = [PadesLevel.B_B, PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA]
_STATUS_UNOBTAINABLE = {SubIndication.TRY_LATER, SubIndication.REVOCATION_OUT_OF_BOUNDS_NO_POE}
_CONG_VU_POLICIES = {policy_oid(Branch.CONG_VU, kind) for kind in ProfileKind}
_ORGANISATION_POLICIES = {policy_oid(branch, ProfileKind.ORGANISATION) for branch in Branch}
_ISO_VIETNAM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?\+07:00")
ND30_APPEARANCE = "nd30-annex-i"
"""``SignRequest.appearance`` asking for Decree 30/2020 Annex I's visible signature."""
APPEARANCE_TIME_TOLERANCE = timedelta(minutes=2)
"""How far the time a visible signature shows may be from the signing instant (or the claimed
signing time): a signer reads its clock once more to draw the appearance."""
APPEARANCE_EVIDENCE = "appearance-text.txt"
"""The text the visible signature draws, as read, in the case's workdir."""
TSA_LOG_EVIDENCE = "tsa-log-match.jsonl"
"""The TSA log lines that match the new signature's timestamp tokens, in the case's workdir."""


def _signatures(result: DocumentResult) -> list[SignatureResult]:
    return [s for s in result.signatures if s.kind is SignatureKind.SIGNATURE]


class OracleInspector:
    """Implements :class:`scenarios.roles.Inspector` with :mod:`conformance.oracle`.

    ``testbed``: the testbed the case runs on, whose TSA log the signature timestamps are
    looked up in; without it that check is not made."""

    def __init__(self, testbed: Testbed | None = None) -> None:
        self.testbed = testbed

    def inspect(self, request: SignRequest, answer: SignerAnswer) -> list[str]:
        if request.format is not SignatureFormat.PADES:  # a signed XML document, a .p7s
            return format_problems(request, answer)
        roots = trust_roots_from_files(request.trust_roots)
        try:
            data = request.output.read_bytes()
            produced = validate_pdf(data, roots, at=request.moment)
        except (OSError, ValueError) as error:
            return [f"the output is not a readable signed PDF ({error})"]
        before = _signatures(validate_pdf(request.input.read_bytes(), roots, at=request.moment)) \
            if b"/ByteRange" in request.input.read_bytes() else []
        after = _signatures(produced)
        if len(after) != len(before) + 1:
            return [f"expected {len(before) + 1} signature(s) in the output, found {len(after)}"]
        problems: list[str] = []
        new = after[-1]
        # a signer that warned the status was unobtainable (Annex II 1.2) produced a signature
        # whose status the oracle cannot obtain either: that much is expected, not a defect
        explained = bool(answer.warnings) and new.sub_indication in _STATUS_UNOBTAINABLE
        if new.indication is not Indication.TOTAL_PASSED and not explained:
            sub = f"/{new.sub_indication.value}" if new.sub_indication else ""
            problems.append(f"the new signature does not validate ({new.indication.value}{sub}: "
                            f"{new.reason})")
        if request.certificate is not None and new.signer is not None:
            expected = x509.Certificate.load(request.certificate.read_bytes())
            if new.signer.serial != expected.serial_number:
                problems.append("signed with another certificate than the one on the token")
        wanted = PadesLevel(request.level)
        problems += signature_format_problems(new, wanted)
        level_problem = _level_problem(new, wanted)
        if level_problem is not None:
            problems.append(level_problem)
        elif wanted is not PadesLevel.B_B and request.certificate is not None:
            problems += _timestamp_authority_problems(
                data, new.field_name, x509.Certificate.load(request.certificate.read_bytes()))
        if level_problem is None and wanted in _LONG_TERM and not explained:
            problems += validation_data_problems(data, roots, request.moment, len(after) - 1)
        if wanted is not PadesLevel.B_B and request.tsa_url and self.testbed is not None:
            problems += timestamp_log_problems(self.testbed, data, new.field_name, request)
        if request.appearance == ND30_APPEARANCE:
            problems += state_document_appearance_problems(data, new.field_name, request)
        integrity = new.integrity
        # the whole file, or its whole revision followed only by archival (LTA) updates
        if integrity is not None and not (
                integrity.coverage == "ENTIRE_FILE"
                or (integrity.coverage == "ENTIRE_REVISION"
                    and integrity.modification_level == "LTA_UPDATES")):
            problems.append(f"the signature does not cover the whole file "
                            f"({integrity.coverage}, later changes: "
                            f"{integrity.modification_level})")
        for index, (old, kept) in enumerate(zip(before, after[:-1], strict=True)):
            if kept.indication is not old.indication and kept.indication is not \
                    Indication.TOTAL_PASSED:
                problems.append(f"earlier signature {index + 1} was damaged: "
                                f"{old.indication.value} before, {kept.indication.value} after")
        problems += _token_use_problems(request.workdir)
        return problems


_LONG_TERM = (PadesLevel.B_LT, PadesLevel.B_LTA)
_DOCUMENT_ONLY = OracleOptions(fetch_revocation_online=False)


def validation_data_problems(data: bytes, roots: list[x509.Certificate], moment: datetime,
                             index: int) -> list[str]:
    """Asked for B-LT or B-LTA, the signer embeds *complete* validation data (TT15-5.4: the
    certificate, the CRL and the status at signing time kept with the message): the new
    signature (the ``index``-th) must validate from what the document carries alone, with
    nothing fetched, as it must in an archive once the CA's services are gone."""
    alone = _signatures(validate_pdf(data, roots, at=moment, options=_DOCUMENT_ONLY))[index]
    if alone.indication is Indication.TOTAL_PASSED:
        return []
    sub = f"/{alone.sub_indication.value}" if alone.sub_indication else ""
    return [f"the validation data embedded are incomplete: from the document alone the new "
            f"signature is {alone.indication.value}{sub} ({alone.reason})"]


def signature_format_problems(new: SignatureResult, wanted: PadesLevel) -> list[str]:
    """A signer asked for a PAdES baseline level makes a PAdES baseline signature: /SubFilter
    ETSI.CAdES.detached (EN 319 142-1), not a plain CMS signature (adbe.pkcs7.detached, ISO
    32000-1). What that costs is the policy's (:data:`FORMAT_REQUIREMENT`: the law's reading is
    open); the problem names the requirement so that the runner finds it."""
    if new.sub_filter == PADES_SUB_FILTER:
        return []
    declared = f"/SubFilter {new.sub_filter}" if new.sub_filter else "no /SubFilter"
    return [f"asked for PAdES {wanted.value}, the signature is {new.signature_format} "
            f"({declared}), not a PAdES baseline signature ({PADES_SUB_FILTER}, ETSI EN 319 "
            f"142-1) ({FORMAT_REQUIREMENT})"]


def _level_problem(new: SignatureResult, wanted: PadesLevel) -> str | None:
    """The level the signature reaches, against the one asked for. A signature in another
    format (:func:`signature_format_problems`) has no baseline level: there what it carries
    (signature timestamp, validation data, archive timestamp) is held against the level asked
    for, and what is missing costs what the checkpoint's clauses cost (TT15-5.1.e, 5.4)."""
    pades = new.sub_filter == PADES_SUB_FILTER
    reached = new.pades_level if pades else new.carried_level
    if reached is not None and _LEVEL_ORDER.index(reached) >= _LEVEL_ORDER.index(wanted):
        return None
    shown = reached.value if reached else "none"
    if pades:
        return f"asked for PAdES {wanted.value}, the output is {shown}"
    return (f"asked for PAdES {wanted.value}, the signature carries only what {shown} needs "
            "(signature timestamp, validation data, archive timestamp)")


def _timestamp_authority_problems(data: bytes, field_name: str | None,
                                  signer: x509.Certificate) -> list[str]:
    """ND68-29.4: a công vụ signature (the testbed's công vụ policy OID) is timestamped by the
    TSA the công vụ CA publishes, i.e. a TSA whose certificate the signer's issuing CA issued.
    Other signers: nothing to say."""
    if not _is_cong_vu(signer):
        return []
    try:
        embedded = next(e for e in open_pdf(data).embedded_signatures
                        if e.field_name == field_name and e.sig_object_type != "/DocTimeStamp")
        token = first_signature_timestamp(embedded.signer_info)
    except (DocumentError, StopIteration, ValueError, KeyError, TypeError):
        return []  # the checks above already say what is wrong with the signature
    if token is None:
        return []
    tsa = _timestamp_signer(token)
    if tsa is None:
        return ["the signature timestamp does not carry its TSA certificate: whose TSA stamped "
                "it cannot be told (ND68-29.4)"]
    if tsa.issuer != signer.issuer:
        return [f"the signature timestamp is from a TSA certified by "
                f"{tsa.issuer.human_friendly}, not by the công vụ CA that issued the signer's "
                f"certificate ({signer.issuer.human_friendly}) (ND68-29.4)"]
    return []


def timestamp_log_problems(testbed: Testbed, data: bytes, field_name: str | None,
                           request: SignRequest) -> list[str]:
    """TT15-5.1.e, ND68-29.4: every signature timestamp token of the signature in
    ``field_name`` was issued by the TSA the case named (``request.tsa_url``; for a công vụ
    signer, the TSA its issuing CA publishes): its serial and imprint are in that TSA's log.
    The matching log lines go to ``request.workdir`` (:data:`TSA_LOG_EVIDENCE`)."""
    try:
        embedded = next(e for e in open_pdf(data).embedded_signatures
                        if e.field_name == field_name and e.sig_object_type != "/DocTimeStamp")
        tokens = signature_timestamp_tokens(embedded.signer_info)
        signer = embedded.signer_cert
    except (DocumentError, StopIteration, ValueError, KeyError, TypeError):
        return []  # the checks above already say what is wrong with the signature
    expected = _expected_timestamp_authority(testbed, request.tsa_url or "", signer)
    if expected is None:
        return []  # a TSA outside the testbed: its requests cannot be looked up
    if not tokens:
        return [f"asked for a timestamp from the TSA of {expected}, the signature carries no "
                f"signature timestamp (TT15-5.1.e)"]
    try:
        log = testbed.timestamp_log()
    except TestbedError as error:
        return [f"the TSA log cannot be read: {error}"]
    problems: list[str] = []
    matched: list[str] = []
    for token in tokens:
        try:
            info = token["encap_content_info"]["content"].parsed
            serial = info["serial_number"].native
            imprint = info["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append("a signature timestamp token cannot be parsed (TT15-5.1.e)")
            continue
        found = [entry for entry in log if entry.matches(serial, algorithm, digest)]
        own = [entry for entry in found if entry.tsa == expected]
        if own:
            matched.append(own[0].line)
            continue
        issued_by = f" (the TSA of {found[0].tsa} issued it)" if found else \
            " (no TSA of the testbed issued it)"
        problems.append(f"the signature timestamp (serial {serial:#x}, {algorithm} imprint "
                        f"{digest.hex()[:16]}…) is not in the request log of the TSA of "
                        f"{expected}, the one the case named{issued_by} "
                        f"(TT15-5.1.e, ND68-29.4)")
    if matched and request.workdir is not None and Path(request.workdir).is_dir():
        (Path(request.workdir) / TSA_LOG_EVIDENCE).write_text(
            "".join(line + "\n" for line in matched), encoding="utf-8")
    return problems


def _expected_timestamp_authority(testbed: Testbed, tsa_url: str,
                                  signer: x509.Certificate) -> str | None:
    """Whose TSA log a signature's timestamps must be in: a công vụ signer's issuing CA's
    (ND68-29.4: the TSA the công vụ provider publishes), else the TSA at the case's URL."""
    state = testbed.state
    if _is_cong_vu(signer):
        for record in state.certificates.values():
            if record.serial == signer.serial_number and record.issuer in state.authorities:
                if state.authorities[record.issuer].tsa is not None:
                    return record.issuer
                break
    return testbed.timestamp_authority_of(tsa_url)


def _is_cong_vu(certificate: x509.Certificate) -> bool:
    policies = certificate.certificate_policies_value
    return policies is not None and any(
        policy["policy_identifier"].dotted in _CONG_VU_POLICIES for policy in policies)


def state_document_appearance_problems(data: bytes, field_name: str | None,
                                       request: SignRequest) -> list[str]:
    """Decree 30/2020 Annex I (ND30-PL1, SECONDARY): the visible signature of the new field
    shows the agency's name (an organisation certificate's holder, else the certificate's
    organisation) and the signing time in ISO 8601 with the Vietnam offset, within
    :data:`APPEARANCE_TIME_TOLERANCE` of the signing instant, read from the glyphs its
    appearance stream draws (:mod:`conformance.reference.appearance`)."""
    try:
        embedded = next(e for e in open_pdf(data).embedded_signatures
                        if e.field_name == field_name and e.sig_object_type != "/DocTimeStamp")
        signer = embedded.signer_cert
        claimed = embedded.self_reported_timestamp
        if claimed is not None and claimed.tzinfo is None:
            claimed = None  # a claimed time without a zone says no instant
    except (DocumentError, StopIteration, ValueError, KeyError, TypeError):
        return []  # the checks above already say what is wrong with the signature
    rectangle = widget_rectangle(embedded.sig_field)
    if rectangle is None or abs(rectangle[2] - rectangle[0]) < 1 or \
            abs(rectangle[3] - rectangle[1]) < 1:
        return ["asked for a visible signature, the signature has no visible widget "
                "(ND30 Annex I)"]
    try:
        text = appearance_text(embedded.sig_field)
    except AppearanceError as error:
        return [f"the visible signature's text cannot be read: {error} (ND30 Annex I)"]
    if not text:
        return ["the visible signature shows no text: neither the agency nor the signing time "
                "(ND30 Annex I)"]
    if request.workdir is not None and Path(request.workdir).is_dir():
        (Path(request.workdir) / APPEARANCE_EVIDENCE).write_text(text + "\n", encoding="utf-8")
    problems: list[str] = []
    agency = _agency_name(signer)
    if agency is not None and not shows(text, agency):
        problems.append(f"the visible signature does not show the agency's name '{agency}' "
                        f"(ND30 Annex I); it shows: {_one_line(text)}")
    instants = [match.group(0) for match in _ISO_VIETNAM.finditer(text)]
    moments = [moment for moment in (request.moment, claimed) if moment is not None]
    close = [shown for shown in instants
             if any(abs((datetime.fromisoformat(shown) - moment).total_seconds())
                    <= APPEARANCE_TIME_TOLERANCE.total_seconds() for moment in moments)]
    if not instants:
        problems.append("the visible signature does not show the signing time in ISO 8601 with "
                        f"the Vietnam offset (e.g. {_iso_vietnam(request.moment)}) (ND30 Annex "
                        f"I); it shows: {_one_line(text)}")
    elif not close:
        problems.append(f"the visible signature shows {instants[0]}, not the signing time "
                        f"{_iso_vietnam(claimed or request.moment)} (ND30 Annex I)")
    return problems


def _agency_name(certificate: x509.Certificate) -> str | None:
    """Whose name a state document's agency signature shows: the holder of an organisation
    (seal) certificate, else the organisation a personal certificate names."""
    subject = certificate.subject.native
    policies = certificate.certificate_policies_value or []
    organisation = any(policy["policy_identifier"].dotted in _ORGANISATION_POLICIES
                       for policy in policies)
    value = subject.get("common_name" if organisation else "organization_name")
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _iso_vietnam(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


def _one_line(text: str) -> str:
    shown = " / ".join(text.splitlines())
    return shown if len(shown) <= 200 else shown[:199] + "…"


def _timestamp_signer(token: cms.SignedData) -> x509.Certificate | None:
    """The certificate of the TSA that signed a timestamp token, if the token carries it."""
    try:
        sid = token["signer_infos"][0]["sid"].chosen
    except (IndexError, KeyError, ValueError):
        return None
    for choice in token["certificates"] or []:
        certificate = choice.chosen
        if not isinstance(certificate, x509.Certificate):
            continue
        if isinstance(sid, cms.IssuerAndSerialNumber):
            if certificate.issuer == sid["issuer"] and \
                    certificate.serial_number == sid["serial_number"].native:
                return certificate
        elif certificate.key_identifier == sid.native:
            return certificate
    return None


def _token_use_problems(workdir: Path | None) -> list[str]:
    """What the PKCS#11 trace of the sign call (``pkcs11-trace.json``, written by the cli
    adapter in the case's directory) shows: the private key never read nor wrapped, and the
    signature made on the token (TT15-5.1.b). No trace (or an untraced run): nothing to say."""
    if workdir is None or not Path(workdir).is_dir():
        return []
    summaries = sorted(Path(workdir).rglob("pkcs11-trace*.json"),
                       key=lambda path: path.stat().st_mtime_ns)
    if not summaries:
        return []
    try:
        facts = json.loads(summaries[-1].read_text(encoding="utf-8"))  # the latest call's
    except (OSError, ValueError):
        return []
    if not isinstance(facts, dict) or not facts.get("traced"):
        return []
    problems: list[str] = []
    if facts.get("tried_key_extraction"):
        problems.append("the program tried to read or wrap the private key (PKCS#11 trace)")
    if not facts.get("sign_calls"):
        problems.append("no C_Sign on the token: the signature was not made with the token's "
                        "key (PKCS#11 trace)")
    return problems
