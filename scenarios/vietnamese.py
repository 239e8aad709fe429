"""Reading Vietnamese result text as people write it: signed or not, valid or not, intact or not.

A product tells a person the outcome in its own words: "Ký số thành công", "Đã ký", "Ký số thất
bại", "Chữ ký không hợp lệ", "Mất tính toàn vẹn", "Văn bản không còn nguyên vẹn"... The three
classifiers here (TT15-5.6.b signing result, TT15-6.4.a verification result, TT15-6.4.b integrity
field) read such text with one small engine, so that a correct product is not failed for its
wording. They live together because they share the folding, the negation rule and the
diacritics rule.

How a text is read:

1. **Folding** (:func:`fold`): Unicode NFC (NFD input reads the same), case folded, whitespace
   collapsed, the old and new tone placements made one ("hoà"/"hòa", "huỷ"/"hủy"), the look-alike
   "Ð" (U+00D0) read as "Đ".
2. **Rules**: each classifier is a list of :class:`Rule` (a phrase and what it says). A
   negator *before* a phrase ("không", "chưa", "mất", "không còn", ...) or a negation *after* it
   ("... không thành công", "... thất bại", "... bị mất") gives the rule's negated value:
   "không hợp lệ" is the negation of "hợp lệ", "mất tính toàn vẹn" of "tính toàn vẹn".
   Some rules say nothing (a label such as "tính hợp lệ"): they only hide their words.
3. **The headline decides**: the leftmost phrase that says something is the answer (the longest
   one when two start together), as the first sentence of a message is its result. So "Chưa ký.
   Tài liệu đã ký trước đó ..." is *not signed*, "Chữ ký hợp lệ. Không xác định được ..." is
   *valid*.
4. **Diacritics**: the rules are written with diacritics and read first as written. A text in
   which they find nothing is read again with every diacritic stripped from both sides ("Ky so
   thanh cong", "Chu ky hop le"); what is found then is marked :attr:`Reading.unaccented`, so
   the caller can report Vietnamese written without diacritics as its own finding (a warning by
   default) while still judging what it says.

5. **The vendor's own phrases**: a SUT profile may declare the phrases its product shows
   (:class:`DeclaredPhrases`, put in force with :func:`vendor_phrases` while its cases are
   judged). They are looked for first; a reading they give is marked :attr:`Reading.declared`
   so that the report can say so. :func:`vietnamese_problem` tells why a phrase cannot be
   declared (not Vietnamese, or read by the rules as the opposite).

English, or Vietnamese that states no result, reads as None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from .outcomes import MessageClass, SignerOutcome

V = TypeVar("V")


class Integrity(Enum):
    INTACT = "intact"
    NOT_INTACT = "not intact"


# ---- folding ----------------------------------------------------------------------------------
_SPACES = re.compile(r"\s+")
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below
_OLD_TONE_PLACE = re.compile(rf"([oO])([aAeE])([{_TONES}])(?!\w)|([uU])([yY])([{_TONES}])(?!\w)")


def _tone_place(text: str) -> str:
    """One tone placement for "oa", "oe", "uy" ending a word (old "hoà", new "hòa" → "hòa";
    "toàn" is written one way only)."""
    decomposed = unicodedata.normalize("NFD", text)
    moved = _OLD_TONE_PLACE.sub(
        lambda m: m[1] + m[3] + m[2] if m[1] else m[4] + m[6] + m[5], decomposed)
    return unicodedata.normalize("NFC", moved)


def fold(text: str) -> str:
    """NFC, case-folded, whitespace collapsed (NBSP and line breaks included), one tone
    placement ("hoà" = "hòa"), "ð" read as "đ"."""
    folded = _tone_place(text).casefold().replace("ð", "đ")
    return _SPACES.sub(" ", folded).strip()


def strip_diacritics(text: str) -> str:
    """The text without any diacritic: "Ký số thành công" → "Ky so thanh cong"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def has_diacritics(text: str) -> bool:
    """Whether any letter of ``text`` carries a diacritic (or is "đ")."""
    return strip_diacritics(text) != unicodedata.normalize("NFC", text)


# ---- the engine -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule(Generic[V]):
    """A phrase (a regular expression over folded text, written with diacritics) and what it
    says; ``negated`` is what it says after a negator or with a negation after it (None: the
    phrase takes no negation). A rule whose ``value`` is None says nothing (a label)."""

    phrase: str
    value: V | None
    negated: V | None = None


@dataclass(frozen=True)
class Reading(Generic[V]):
    """What a text says, the words that say it, and whether they lacked their diacritics."""

    value: V
    phrase: str
    unaccented: bool = False
    declared: bool = False
    """Read with a phrase the vendor declared (SUT profile), not with the built-in rules."""


class Reader(Generic[V]):
    """A classifier: rules, the negators that may come before a phrase and the negations that
    may follow it."""

    def __init__(self, rules: Sequence[Rule[V]], negators: str, negations: str,
                 affirmations: str = "") -> None:
        self.rules = tuple(rules)
        self._accented = [self._compile(rule, negators, negations, affirmations)
                          for rule in self.rules]
        self._plain = [re.compile(strip_diacritics(pattern.pattern))
                       for pattern in self._accented]

    @staticmethod
    def _compile(rule: Rule[V], negators: str, negations: str, affirmations: str
                 ) -> re.Pattern[str]:
        phrase = _tone_place(rule.phrase)
        if rule.negated is None:
            return re.compile(rf"(?<!\w)(?:{phrase})(?!\w)")
        after = f"(?P<post>{negations})" + (f"|(?:{affirmations})" if affirmations else "")
        return re.compile(rf"(?<!\w)(?:(?P<neg>{_tone_place(negators)}) )?(?:{phrase})"
                          rf"(?: (?:{_tone_place(after)}))?(?!\w)")

    def read(self, text: str | None, declared: Sequence[tuple[str, V]] = ()
             ) -> Reading[V] | None:
        """What ``text`` says (None: nothing these rules recognise); the ``declared`` phrases
        (the vendor's own) are looked for first, the leftmost one found decides."""
        if not text or not text.strip():
            return None
        folded = fold(text)
        found = _first_declared(folded, declared)
        if found is None:
            found = self._first(self._accented, folded)
        if found is not None:
            return found
        found = self._first(self._plain, strip_diacritics(folded))
        if found is None:
            return None
        return Reading(found.value, found.phrase, unaccented=True)

    def _first(self, patterns: Sequence[re.Pattern[str]], folded: str) -> Reading[V] | None:
        position = 0
        while position <= len(folded):
            best: tuple[int, int, int, re.Match[str]] | None = None
            for index, pattern in enumerate(patterns):
                match = pattern.search(folded, position)
                if match is not None:
                    key = (match.start(), -len(match[0]), index, match)
                    if best is None or key[:3] < best[:3]:
                        best = key
            if best is None:
                return None
            match, rule = best[3], self.rules[best[2]]
            negated = match.groupdict().get("neg") or match.groupdict().get("post")
            value = rule.negated if negated else rule.value
            if value is not None:
                return Reading(value, match[0])
            position = max(match.end(), match.start() + 1)
        return None


def _first_declared(folded: str, declared: Sequence[tuple[str, V]]) -> Reading[V] | None:
    """The leftmost declared phrase in ``folded`` (whole words, folded the same way)."""
    best: tuple[int, int, Reading[V]] | None = None
    for phrase, value in declared:
        match = re.search(rf"(?<!\w){re.escape(fold(phrase))}(?!\w)", folded)
        if match is not None and (best is None or (match.start(), -len(match[0])) < best[:2]):
            best = (match.start(), -len(match[0]), Reading(value, match[0], declared=True))
    return None if best is None else best[2]


# ---- signing (TT15-5.6.b) ---------------------------------------------------------------------
_SIGN = r"(?:tạo chữ ký|(?<!đăng )(?<!chữ )ký(?! tự| hiệu)|đóng dấu)(?: số| điện tử)?"
_OBJECT = r"(?: (?:[^.;:!?\n]|[.:](?=\S)){1,80}?)?"  # "Ký số tệp 'hop_dong.pdf' thành công"
_SUCCESS = r"(?<!không)(?<!chưa) (?:thành công|xong|hoàn tất)"
_FAILURE = r" (?:không thành công|chưa thành công|thất bại|bị lỗi|lỗi|bị hủy|bị từ chối)"

SIGNING = Reader[SignerOutcome]([
    Rule(rf"đã (?:được )?{_SIGN}", SignerOutcome.SIGNED, SignerOutcome.REFUSED),
    Rule(rf"{_SIGN}{_OBJECT}{_SUCCESS}", SignerOutcome.SIGNED, SignerOutcome.REFUSED),
    Rule(rf"(?:hoàn tất|hoàn thành) (?:việc |quá trình )?{_SIGN}", SignerOutcome.SIGNED),
    Rule(rf"{_SIGN}{_OBJECT}{_FAILURE}", SignerOutcome.REFUSED),
    Rule(rf"(?:chưa|không|không thể|chưa thể|từ chối|hủy|đã hủy|lỗi|lỗi khi|thất bại khi)"
         rf"(?: được)?(?: thực hiện| thao tác| việc| quá trình)? {_SIGN}", SignerOutcome.REFUSED),
], negators=r"không|chưa", negations=r"không thành công|thất bại|bị lỗi|bị hủy")


# ---- verification (TT15-6.4.a) ------------------------------------------------------------------
_CHECK = r"(?:xác thực|xác minh|kiểm tra)(?: chữ ký(?: số)?)?"
_VALID_NEGATORS = r"không phải là|không phải|không còn|không|chưa|bất|mất"

VERIFICATION = Reader[MessageClass]([
    Rule(r"(?:kiểm tra )?tính hợp lệ(?: của (?:chữ ký|văn bản|tài liệu)(?: số)?)?", None),
    Rule(r"(?:không|chưa)(?: thể)?(?: được)? (?:xác định|xác thực|xác minh|kiểm tra)",
         MessageClass.INDETERMINATE),
    Rule(r"(?:không|chưa) rõ|không đủ (?:thông tin|dữ liệu|căn cứ)", MessageClass.INDETERMINATE),
    Rule(r"(?:là )?(?:chữ ký(?: số)? )?hợp lệ", MessageClass.VALID, MessageClass.INVALID),
    Rule(rf"{_CHECK}(?: [^.;:!?\n]{{1,60}}?)?(?<!không)(?<!chưa) thành công",
         MessageClass.VALID),
    Rule(rf"{_CHECK}(?: [^.;:!?\n]{{1,60}}?)? (?:không thành công|chưa thành công|thất bại)",
         MessageClass.INVALID),
    Rule(r"đã (?:được )?(?:xác thực|xác minh)", MessageClass.VALID),
    Rule(r"chữ ký(?: số)? (?:đã )?(?:sai|bị hỏng|không đúng|giả mạo|bị giả mạo)|vô hiệu",
         MessageClass.INVALID),
    Rule(r"(?:còn|có) hiệu lực", MessageClass.VALID, MessageClass.INVALID),
    Rule(r"hết hiệu lực", MessageClass.INVALID),
], negators=_VALID_NEGATORS, negations=r"không thành công|thất bại")


# ---- integrity (TT15-6.4.b) ---------------------------------------------------------------------
_WHOLE = r"(?:toàn vẹn|nguyên vẹn)"
_CHANGED = r"(?:thay đổi|sửa đổi|chỉnh sửa|can thiệp|giả mạo|sửa)"
_OF = r"(?: của (?:tài liệu|văn bản|dữ liệu|nội dung|chữ ký|tệp)(?: số)?)?"
_LABEL = rf"tính toàn vẹn{_OF}"
_END = r"(?=\s*(?:$|[^\w\s]))"

INTEGRITY = Reader[Integrity]([
    Rule(_LABEL, None),
    Rule(rf"{_LABEL}\s*[:\-–]\s*(?:có|đạt|đảm bảo|còn nguyên|ok){_END}", Integrity.INTACT),
    Rule(rf"{_LABEL}\s*[:\-–]\s*(?:không|không đạt|bị mất|mất|bị vi phạm|bị phá vỡ|sai){_END}",
         Integrity.NOT_INTACT),
    Rule(rf"(?:(?:được )?đảm bảo (?:được )?)?(?:tính )?{_WHOLE}{_OF}", Integrity.INTACT,
         Integrity.NOT_INTACT),
    Rule(rf"(?:không|chưa)(?: hề)?(?: bị| có| được)? {_CHANGED}", Integrity.INTACT),
    Rule(rf"(?:đã )?(?:bị|được|có) {_CHANGED}|đã {_CHANGED}|bị hỏng", Integrity.NOT_INTACT),
], negators=r"không thể đảm bảo|không đảm bảo|không được|không còn|không thể|không|chưa|mất",
    negations=r"không được đảm bảo|không còn|bị mất|bị vi phạm|bị phá vỡ|không đạt",
    affirmations=r"được đảm bảo")


# ---- the vendor's phrases ----------------------------------------------------------------------
@dataclass(frozen=True)
class DeclaredPhrases:
    """The result phrases a vendor declares its product shows (SUT profile
    ``[display.result_phrases]``), each with what it says."""

    signing: tuple[tuple[str, SignerOutcome], ...] = ()
    verification: tuple[tuple[str, MessageClass], ...] = ()
    integrity: tuple[tuple[str, Integrity], ...] = ()


NO_PHRASES = DeclaredPhrases()
_DECLARED: ContextVar[DeclaredPhrases] = ContextVar("declared_phrases", default=NO_PHRASES)


@contextmanager
def vendor_phrases(phrases: DeclaredPhrases) -> Iterator[None]:
    """Read with ``phrases`` first while the block runs (the cases of one SUT are judged)."""
    token = _DECLARED.set(phrases)
    try:
        yield
    finally:
        _DECLARED.reset(token)


_MARKS = set(_TONES + "\u0302\u0306\u031b")  # + circumflex, breve, horn


def _vietnamese_letter(letter: str) -> bool:
    """Whether a letter is one of the Vietnamese alphabet's (with f, j, w, z of loanwords)."""
    base, *marks = unicodedata.normalize("NFD", letter.casefold())
    return (base in "abcdefghijklmnopqrstuvwxyzđ") and set(marks) <= _MARKS


def vietnamese_problem(phrase: str, said: object) -> str | None:
    """Why ``phrase`` cannot be declared as saying ``said`` (None: it can): it must be
    Vietnamese written with its diacritics, in the Vietnamese alphabet, and the built-in rules
    must not read it as something else."""
    if not phrase.strip():
        return "is empty"
    foreign = "".join(sorted({c for c in unicodedata.normalize("NFC", phrase)
                              if c.isalpha() and not _vietnamese_letter(c)}))
    if foreign:
        return f"'{phrase}' is not Vietnamese (letters outside its alphabet: {foreign})"
    if not has_diacritics(phrase):
        return f"'{phrase}' is not Vietnamese written with its diacritics"
    for reader in (SIGNING, VERIFICATION, INTEGRITY):
        reading = reader.read(phrase)
        if reading is not None and not reading.unaccented and \
                type(reading.value) is type(said) and reading.value is not said:
            return (f"'{phrase}' reads as {_name(reading.value)}, but is declared as "
                    f"{_name(said)}")
    return None


def _name(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


# ---- the public readings ------------------------------------------------------------------------
def read_signing(text: str | None) -> Reading[SignerOutcome] | None:
    """Whether a Vietnamese text tells the signer 'signed' or 'not signed' (TT15-5.6.b)."""
    return SIGNING.read(text, _DECLARED.get().signing)


def read_result(text: str | None) -> Reading[MessageClass] | None:
    """Which class of verification result a Vietnamese text tells a person (TT15-6.4.a)."""
    return VERIFICATION.read(text, _DECLARED.get().verification)


def read_integrity(text: str | None) -> Reading[Integrity] | None:
    """What a Vietnamese text says about the document's integrity (TT15-6.4.b)."""
    return INTEGRITY.read(text, _DECLARED.get().integrity)


def classify_vietnamese_signing(text: str | None) -> SignerOutcome | None:
    reading = read_signing(text)
    return None if reading is None else reading.value


def classify_vietnamese_result(text: str | None) -> MessageClass | None:
    reading = read_result(text)
    return None if reading is None else reading.value


def classify_integrity(text: str | None) -> Integrity | None:
    reading = read_integrity(text)
    return None if reading is None else reading.value


def without_diacritics(text: str | None) -> bool:
    """Whether ``text`` states a result in Vietnamese written without its diacritics ("Ky so
    thanh cong", "Chu ky hop le", "Van ban toan ven"): one of the three readings finds it only
    once the diacritics are stripped."""
    return any(reading is not None and reading.unaccented
               for reading in (read_signing(text), read_result(text), read_integrity(text)))


def unaccented_note(what: str, reading: Reading[object] | None) -> str | None:
    """The finding for a result read only without diacritics (None: nothing to say)."""
    if reading is None or not reading.unaccented:
        return None
    return (f"{what}: '{reading.phrase}' is Vietnamese written without diacritics "
            "(read as such, but a person is owed proper Vietnamese)")


def declared_note(what: str, reading: Reading[object] | None) -> str | None:
    """What the report shows when a reading came from a vendor-declared phrase."""
    if reading is None or not reading.declared:
        return None
    return f"{what}: '{reading.phrase}' read with a phrase declared by the vendor"
