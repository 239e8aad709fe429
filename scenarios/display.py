"""Checking what a verifier shows a person against the testbed's truth (TT15-6.4.a–b).

A verifier's answer carries, per signature, the text it shows field by field
(:attr:`~scenarios.outcomes.SignatureAnswer.display`). A field that is merely non-empty proves
nothing: "(shown in English only)" or the CA's name in the signer field is not what TT15-6.4.b
asks for. This module compares each field a checkpoint names with what the player knows about the
signature (:class:`SignatureTruth`: the certificate the actor signed with, when, with or without a
timestamp) and with the checkpoint's expectation. Every text is compared after Unicode NFC
normalisation, case folding and whitespace collapsing, so NFD input or "VŨ THỊ HOA" match.

Accepted phrasings, field by field:

* ``issuer``: contains the issuing CA's CN or O, as written in the signer certificate's issuer
  name. The testbed's "TEST" marker may be shown or left out.
* ``signer``: contains the signer certificate's subject CN ("TEST" marker optional).
* ``managing_unit``: contains the subject O or an OU of the signer certificate ("TEST" marker
  optional); when the certificate has neither, any non-empty text is accepted.
* ``signing_time``: contains a date *and* time within ±2 minutes of the signing instant (the
  step's instant, which is also the timestamp's time; for a fixture with a claimed time, that
  claimed time too). Accepted formats are listed under :func:`find_datetimes`.
* ``integrity`` (Vietnamese only, read by :mod:`scenarios.vietnamese`): "không toàn vẹn", "mất
  tính toàn vẹn", "không còn nguyên vẹn", "không đảm bảo tính toàn vẹn", "bị thay đổi", ... say
  *not intact*; "toàn vẹn", "nguyên vẹn", "không bị thay đổi", "tính toàn vẹn được đảm bảo" ...
  say *intact*. Which one is right comes from the truth (:func:`expected_integrity`): the
  document was changed after signing (a ``tamper`` step) and the signature is TOTAL-FAILED: not
  intact; nothing changed it since it was signed: intact, whatever else is wrong (a revoked
  certificate, a timestamp over other data); TOTAL-PASSED: intact (a later change was an allowed
  one). Without truth, the checkpoint's sub-indications decide (HASH_FAILURE or
  DISALLOWED_MODIFICATION: not intact). A change after signing that was not allowed leaves
  every digest intact, yet the document is not what was signed: "không toàn vẹn", "đã bị sửa
  đổi sau khi ký theo cách người ký không cho phép" say not intact.
* ``validity_at_signing_time`` (Vietnamese only): "hợp lệ" / "không hợp lệ" / "không xác định"
  (also "chưa xác định", "không thể xác định"), of the checkpoint's message class, as
  :func:`scenarios.vietnamese.read_result` reads it.

A Vietnamese result (integrity, validity) written without diacritics is read all the same, and
:func:`display_readings` lets the judge say so: the caller reports it as a warning, not a failure.
* ``certificate_validity``: contains the certificate's notBefore and notAfter dates (the
  calendar date in Vietnam time or in UTC), in any date format :func:`find_dates` reads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from asn1crypto import x509

from testbed import TEST_MARKER, VIETNAM

from .checkpoints import VerifyExpectation
from .outcomes import DisplayField, Indication, MessageClass, SubIndication
from .vietnamese import Integrity, Reading, fold, read_integrity, read_result

SIGNING_TIME_TOLERANCE = timedelta(minutes=2)


# ---- the truth --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignatureTruth:
    """What the testbed knows about one signature: who signed, with which certificate, when."""

    certificate: str
    """Label of the signer certificate in the testbed."""
    signer_name: str
    """Subject CN, as in the certificate."""
    signer_units: tuple[str, ...]
    """Subject O and OU(s), as in the certificate."""
    issuer_names: tuple[str, ...]
    """The issuing CA's CN and O, as in the certificate's issuer name."""
    not_before: datetime
    not_after: datetime
    signing_times: tuple[datetime, ...]
    """The signing instant (= the timestamp's time), and the signer's claimed time if other."""
    timestamped: bool
    changed_by: tuple[str, ...] = ()
    """How the document was changed after this signature (the ``tamper`` kinds, in order;
    empty: the document is as signed, bar later signatures)."""

    @classmethod
    def from_certificate(cls, der: bytes, *, label: str, signed_at: datetime,
                         claimed_at: datetime | None = None, timestamped: bool = False,
                         changed_by: tuple[str, ...] = ()) -> SignatureTruth:
        certificate = x509.Certificate.load(der)
        subject, issuer = certificate.subject.native, certificate.issuer.native
        times = (signed_at,) if claimed_at is None or claimed_at == signed_at \
            else (signed_at, claimed_at)
        return cls(
            certificate=label,
            signer_name=_first(subject.get("common_name")) or "",
            signer_units=_values(subject, "organization_name", "organizational_unit_name"),
            issuer_names=_values(issuer, "common_name", "organization_name"),
            not_before=certificate.not_valid_before, not_after=certificate.not_valid_after,
            signing_times=times, timestamped=timestamped, changed_by=changed_by)


def _first(value: object) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def _values(name: Mapping[str, object], *keys: str) -> tuple[str, ...]:
    found: list[str] = []
    for key in keys:
        value = name.get(key)
        for item in value if isinstance(value, list) else [value]:
            if item:
                found.append(str(item))
    return tuple(found)


# ---- text normalisation -----------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_MARKER = re.compile(rf"\b{TEST_MARKER.casefold()}\b")


def _name_key(text: str) -> str:
    """A name for comparison: folded, without the testbed's TEST marker."""
    return _SPACES.sub(" ", _MARKER.sub(" ", fold(text))).strip()


def shows_name(text: str, name: str) -> bool:
    """Whether ``text`` contains ``name`` (NFC, case and whitespace insensitive; the "TEST"
    marker may be present on either side or not)."""
    key = _name_key(name)
    return bool(key) and key in _name_key(text)


# ---- dates and times --------------------------------------------------------------------------
_YMD = r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
_DMY = r"(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
_WORDS = r"ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s*,?\s+năm\s+(?P<y>\d{4})"
_TIME = (r"(?P<H>\d{1,2})(?::|\s*(?:giờ|h)\s*)(?P<M>\d{2})(?:\s*phút)?"
         r"(?::(?P<S>\d{2})(?:[.,]\d+)?|\s+(?P<S2>\d{1,2})\s*giây)?"
         r"(?:\s*(?P<ap>am|pm|sa|ch)\b)?")
_ZONE = (r"(?:\s?(?P<z>z\b|[+-]\d{2}:?\d{2}\b)"
         r"|\s*\(?\s*(?P<named>utc|gmt)\s*(?P<named_offset>[+-]\d{1,2}(?::?\d{2})?)?\s*\)?"
         r"|\s*\(?(?P<ict>ict)\)?)?")
_AFTER_DATE = r"(?:t|\s*,?\s*(?:lúc\s+)?|\s+-\s+)"
_BEFORE_DATE = r"\s*,?\s*(?:-\s*)?(?:ngày\s+)?"
_DATES = [re.compile(rf"(?<!\d){pattern}(?!\d)") for pattern in (_YMD, _DMY, _WORDS)]
_DATETIMES = [re.compile(rf"(?<!\d){pattern}(?!\d)") for pattern in
              [date + _AFTER_DATE + _TIME + _ZONE for date in (_YMD, _DMY, _WORDS)]
              + [_TIME + _ZONE + _BEFORE_DATE + date for date in (_YMD, _DMY, _WORDS)]]


def find_dates(text: str) -> set[date]:
    """Every calendar date written in ``text``, as written (no time-zone conversion).

    Accepted: ``yyyy-mm-dd`` (also with ``/`` or ``.``, and as the date part of ISO 8601),
    ``dd/mm/yyyy`` (also ``dd-mm-yyyy``, ``dd.mm.yyyy``; day first, as Vietnamese writes it:
    ``mm/dd/yyyy`` is *not* read), and ``ngày dd tháng mm năm yyyy``.
    """
    folded = fold(text)
    found = set()
    for pattern in _DATES:
        for match in pattern.finditer(folded):
            day = _date(match)
            if day is not None:
                found.add(day)
    return found


def find_datetimes(text: str) -> list[datetime]:
    """Every date with a time of day written in ``text``, as aware datetimes.

    A date in any :func:`find_dates` format, with a time ``hh:mm``, ``hh:mm:ss`` (fractions of a
    second ignored), ``9h00`` or ``09 giờ 00 phút [05 giây]``, optionally ``AM``/``PM`` or
    ``SA``/``CH``; the time may follow the date (``T``, a space, a comma, `` - `` or ``lúc``
    between) or precede it (``09:00:00 ngày 22/11/2026``, ``09:00 22/11/2026``). A zone may
    follow the time: ``Z``, ``+07:00`` / ``+0700``, ``UTC``/``GMT`` with or without an offset
    (``GMT+7``, ``(UTC+07:00)``), ``ICT``. Without a zone the time is Vietnam time (UTC+07:00).
    """
    folded = fold(text)
    found = []
    for pattern in _DATETIMES:
        for match in pattern.finditer(folded):
            instant = _datetime(match)
            if instant is not None:
                found.append(instant)
    return found


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None


def _datetime(match: re.Match[str]) -> datetime | None:
    day = _date(match)
    if day is None:
        return None
    hour, minute = int(match["H"]), int(match["M"])
    second = int(match["S"] or match["S2"] or 0)
    meridiem = match["ap"]
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem in ("pm", "ch") else 0)
    try:
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=_zone(match))
    except ValueError:
        return None


def _zone(match: re.Match[str]) -> timezone:
    if match["z"] is not None:
        return UTC if match["z"] == "z" else _offset(match["z"])
    if match["named"] is not None:
        return _offset(match["named_offset"]) if match["named_offset"] else UTC
    return VIETNAM


def _offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 \
        else (int(digits), 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _calendar_dates(instant: datetime) -> set[date]:
    return {instant.astimezone(VIETNAM).date(), instant.astimezone(UTC).date()}


# ---- integrity --------------------------------------------------------------------------------
_CHANGED = {SubIndication.HASH_FAILURE, SubIndication.DISALLOWED_MODIFICATION}
"""The sub-indications of a document that is not as signed: its signed bytes changed, or a
later revision changed it in a way that is not allowed (the digests match, the document a
person sees is not what was signed)."""


def expected_integrity(expect: VerifyExpectation, truth: SignatureTruth | None = None
                       ) -> Integrity | None:
    """What the integrity field must say (None: either).

    TOTAL-PASSED: intact (any change since signing was an allowed one). With the truth: not
    intact when the document was changed after signing and the signature fails; intact when
    nothing changed it since (the failure, if any, is about something else); either when it was
    changed and the verdict is INDETERMINATE. Without the truth: not intact for TOTAL-FAILED with
    HASH_FAILURE or DISALLOWED_MODIFICATION accepted, either for another TOTAL-FAILED, intact for
    INDETERMINATE."""
    if expect.indication is Indication.TOTAL_PASSED:
        return Integrity.INTACT
    if truth is not None:
        if not truth.changed_by:
            return Integrity.INTACT
        return Integrity.NOT_INTACT if expect.indication is Indication.TOTAL_FAILED else None
    if expect.indication is Indication.TOTAL_FAILED:
        return Integrity.NOT_INTACT if _CHANGED & set(expect.sub_indications) else None
    return Integrity.INTACT


# ---- the checks -------------------------------------------------------------------------------
def _quote(text: str, limit: int = 80) -> str:
    text = _SPACES.sub(" ", text).strip()
    return f"'{text[:limit]}…'" if len(text) > limit else f"'{text}'"


def check_field(field: DisplayField, text: str | None, expect: VerifyExpectation,
                truth: SignatureTruth | None) -> str | None:
    """Why the shown ``text`` of ``field`` is wrong (None: it is right, or nothing to check it
    against). Reasons are in English and name the field."""
    name = field.value
    if not text or not text.strip():
        return f"{name}: not shown"
    if field is DisplayField.INTEGRITY:
        return _check_integrity(name, text, expect, truth)
    if field is DisplayField.VALIDITY_AT_SIGNING_TIME:
        return _check_validity_at_signing_time(name, text, expect)
    if truth is None:
        return None
    if field is DisplayField.SIGNING_TIME:
        return _check_signing_time(name, text, truth)
    if field is DisplayField.CERTIFICATE_VALIDITY:
        return _check_certificate_validity(name, text, truth)
    return _check_names(field, text, truth)


def _check_integrity(name: str, text: str, expect: VerifyExpectation,
                     truth: SignatureTruth | None) -> str | None:
    reading, wanted = read_integrity(text), expected_integrity(expect, truth)
    if reading is None:
        return (f"{name}: {_quote(text)} says neither 'toàn vẹn' nor 'không toàn vẹn' "
                "in Vietnamese")
    if wanted is not None and reading.value is not wanted:
        because = "" if truth is None else (
            " (the document was changed after signing: " + ", ".join(truth.changed_by) + ")"
            if truth.changed_by else " (nothing changed the document after signing)")
        return (f"{name}: {_quote(text)} says {reading.value.value}, "
                f"expected {wanted.value}{because}")
    return None


def _check_validity_at_signing_time(name: str, text: str, expect: VerifyExpectation
                                    ) -> str | None:
    wanted_class = expect.message_class or MessageClass.of(expect.indication)
    reading = read_result(text)
    if reading is None:
        return (f"{name}: {_quote(text)} says neither 'hợp lệ', 'không hợp lệ' nor "
                "'không xác định' in Vietnamese")
    if reading.value is not wanted_class:
        return (f"{name}: {_quote(text)} says {reading.value.value}, "
                f"expected {wanted_class.value}")
    return None


def _check_names(field: DisplayField, text: str, truth: SignatureTruth) -> str | None:
    """The issuer, the signer and the managing unit: a name the certificate carries."""
    name = field.value
    if field is DisplayField.ISSUER:
        if not any(shows_name(text, issuer) for issuer in truth.issuer_names):
            return (f"{name}: {_quote(text)} names neither the issuing CA's CN nor its O ("
                    + " / ".join(f"'{issuer}'" for issuer in truth.issuer_names) + ")")
        return None
    if field is DisplayField.SIGNER:
        if not shows_name(text, truth.signer_name):
            return f"{name}: {_quote(text)} does not name the signer '{truth.signer_name}'"
        return None
    if field is DisplayField.MANAGING_UNIT:
        if truth.signer_units and not any(shows_name(text, unit)
                                          for unit in truth.signer_units):
            return (f"{name}: {_quote(text)} names neither the certificate's O nor OU ("
                    + " / ".join(f"'{unit}'" for unit in truth.signer_units) + ")")
        return None
    return None  # pragma: no cover - DisplayField is closed


def _check_signing_time(name: str, text: str, truth: SignatureTruth) -> str | None:
    shown_times = find_datetimes(text)
    if not any(abs(shown - actual) <= SIGNING_TIME_TOLERANCE
               for shown in shown_times for actual in truth.signing_times):
        wanted = " or ".join(t.astimezone(VIETNAM).replace(microsecond=0).isoformat()
                             for t in truth.signing_times)
        got = ("a date and time we can read" if not shown_times else
               "; ".join(t.isoformat() for t in shown_times[:3]))
        return (f"{name}: {_quote(text)} does not show the signing time {wanted} "
                f"(±2 min); found {got}")
    return None


def _check_certificate_validity(name: str, text: str, truth: SignatureTruth) -> str | None:
    shown_dates = find_dates(text)
    missing = [f"{label} {moment.astimezone(VIETNAM).date().isoformat()}"
               for label, moment in (("notBefore", truth.not_before),
                                     ("notAfter", truth.not_after))
               if not _calendar_dates(moment) & shown_dates]
    if missing:
        return f"{name}: {_quote(text)} does not show the certificate's " \
            + " and ".join(missing)
    return None


def display_problems(expect: VerifyExpectation, display: Mapping[str, str],
                     truth: SignatureTruth | None = None) -> list[str]:
    """Every problem with the fields ``expect.display`` names, in the order listed.

    Validity at signing time is checked against the expectation alone, integrity against the
    expectation and ``truth``; the other fields need ``truth`` (without it, only their presence
    is checked).
    """
    problems = []
    for field in expect.display:
        problem = check_field(field, display.get(field.value), expect, truth)
        if problem is not None:
            problems.append(problem)
    return problems


def display_readings(expect: VerifyExpectation, display: Mapping[str, str]
                     ) -> list[tuple[str, Reading[object] | None]]:
    """How the Vietnamese fields ``expect.display`` names were read (integrity, validity at
    signing time), for the findings that do not fail them: written without diacritics, read
    with a phrase the vendor declared."""
    return [(field.value, read(display.get(field.value)))
            for field, read in ((DisplayField.INTEGRITY, read_integrity),
                                (DisplayField.VALIDITY_AT_SIGNING_TIME, read_result))
            if field in expect.display]
