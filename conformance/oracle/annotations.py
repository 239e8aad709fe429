"""Comments after a certification at P=3: the one change pyHanko's difference analysis lacks.

ISO 32000-1 12.8.2.2 (Table 254) lets a certification signature with DocMDP permission level
P=3 permit what P=2 permits (form filling, signing) *and* annotations. pyHanko's default
difference analysis does not implement that level (``ModificationLevel.ANNOTATIONS`` "is
currently unused by the default diff policy", and it warns that P=3 may give unexpected
results): a sticky-note comment added to a document certified at P=3 comes out as a suspicious
change, and kyso called it tampering. :class:`CommentRule` is the missing whitelist rule,
written in pyHanko's own rule API; :func:`comments_review` runs pyHanko's default policy with it
added, at P=3 only.

The rule is deliberately narrower than the letter of Table 254. It clears *added* comments: a
``/Text`` annotation (a note icon whose text opens in a pop-up; icon-sized, :data:`ICON_SIDE`)
and the ``/Popup`` that belongs to it (a viewer's window, with no appearance of its own), each a
new object, with whatever new objects the note draws with; and the page whose only change is
its ``/Annots`` array growing by them. It does not clear annotations that draw over the
page (``/FreeText``, ``/Stamp``, ``/Square``, ...): their appearance can cover certified content
(the evil annotation attack, Rohlmann et al. 2021), and the reference verifier takes the strict
reading there as it does for new visible signatures (TT15-6.1.h-docmdp). Nor does it clear
deleted or modified annotations, or anything else the update changes: those stay unexplained and
pyHanko's analysis refuses the revision as before.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import HistoricalResolver
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    DiffResult,
    ModificationLevel,
    QualifiedWhitelistRule,
    ReferenceUpdate,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.commons import compare_dicts
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

COMMENT_SUBTYPES = frozenset({"/Text"})
"""Annotations cleared as comments: a note icon; its text is shown in a pop-up, not on the
page."""

ICON_SIDE = 32.0
"""The largest /Rect side (points) of a comment: a note icon (viewers draw 20 to 24 points).
A /Text annotation may carry its own appearance, drawn into its /Rect: a page-sized "note"
could cover certified content like a FreeText, so only an icon-sized one is a comment."""

_PAGE_ERRORS = (KeyError, TypeError, AttributeError, ValueError, PdfError,
                SuspiciousModification)


def _references(array: object) -> set[generic.Reference] | None:
    """The references of a PDF array of indirect objects (None: not such an array)."""
    items = array.get_object() if isinstance(array, generic.IndirectObject) else array
    if not isinstance(items, generic.ArrayObject) or \
            not all(isinstance(item, generic.IndirectObject) for item in items):
        return None
    return {item.reference for item in items}


def _page_pairs(old_node: generic.DictionaryObject, new_node: generic.DictionaryObject,
                depth: int = 0) -> Iterator[tuple[generic.Reference, generic.Reference]]:
    """(old, new) references of every page, walking both page trees together; a tree whose
    shape changed yields nothing for the changed part (left to pyHanko to refuse)."""
    old_kids, new_kids = old_node.raw_get("/Kids"), new_node.raw_get("/Kids")
    old_refs = [kid.reference for kid in old_kids.get_object()]
    new_refs = [kid.reference for kid in new_kids.get_object()]
    if old_refs != new_refs or depth > 32:
        return
    for old_ref, new_ref in zip(old_refs, new_refs, strict=True):
        new_page = new_ref.get_object()
        if new_page.get("/Type") == "/Pages":
            yield from _page_pairs(old_ref.get_object(), new_page, depth + 1)
        else:
            yield old_ref, new_ref


class CommentRule(QualifiedWhitelistRule):
    """Clears comments added to pages at :attr:`ModificationLevel.ANNOTATIONS` (see the
    module's docstring for what counts as one)."""

    def apply_qualified(self, old: HistoricalResolver, new: HistoricalResolver
                        ) -> Iterator[tuple[ModificationLevel, ReferenceUpdate]]:
        try:
            pairs = list(_page_pairs(old.root["/Pages"], new.root["/Pages"]))
        except _PAGE_ERRORS:
            return
        for old_ref, new_ref in pairs:
            try:
                cleared = _page_comments(old, new, old_ref, new_ref)
            except _PAGE_ERRORS:
                continue
            for reference in cleared:
                yield ModificationLevel.ANNOTATIONS, ReferenceUpdate(reference)


def _page_comments(old: HistoricalResolver, new: HistoricalResolver,
                   old_ref: generic.Reference, new_ref: generic.Reference
                   ) -> list[generic.Reference]:
    """What to clear on one page: nothing unless the page gained comments and nothing else."""
    old_page, new_page = old_ref.get_object(), new_ref.get_object()
    old_annots = _references(old_page.raw_get("/Annots")) if "/Annots" in old_page else set()
    new_annots = _references(new_page.raw_get("/Annots")) if "/Annots" in new_page else set()
    if old_annots is None or new_annots is None or not old_annots < new_annots:
        return []
    added = new_annots - old_annots
    if not all(_is_new_comment(old, reference, added) for reference in added) or \
            not compare_dicts(old_page, new_page, frozenset({"/Annots"}), raise_exc=False):
        return []
    cleared = [new_ref]
    array = new_page.raw_get("/Annots")
    if isinstance(array, generic.IndirectObject):
        cleared.append(array.reference)
    for reference in added:
        cleared.append(reference)
        cleared.extend(_new_dependencies(old, new, reference))
    return cleared


def _is_new_comment(old: HistoricalResolver, reference: generic.Reference,
                    added: set[generic.Reference]) -> bool:
    """A new /Text annotation, or the new /Popup of one of the added ones."""
    if not old.is_ref_unassignable(reference):
        return False
    annotation = reference.get_object()
    subtype = annotation.get("/Subtype")
    if subtype in COMMENT_SUBTYPES:
        return _icon_sized(annotation)
    parent = annotation.raw_get("/Parent") if "/Parent" in annotation else None
    return subtype == "/Popup" and "/AP" not in annotation \
        and isinstance(parent, generic.IndirectObject) and parent.reference in added


def _icon_sized(annotation: generic.DictionaryObject) -> bool:
    left, bottom, right, top = (float(value) for value in annotation["/Rect"])
    return abs(right - left) <= ICON_SIDE and abs(top - bottom) <= ICON_SIDE


def _new_dependencies(old: HistoricalResolver, new: HistoricalResolver,
                      reference: generic.Reference) -> list[generic.Reference]:
    """The objects a comment draws with (/AP), if every one of them is new in this update: an
    appearance must not reach back and rewrite an object of the certified revision."""
    annotation = reference.get_object()
    if "/AP" not in annotation:
        return []
    found = new.collect_dependencies(annotation.raw_get("/AP"),
                                     since_revision=old.revision + 1)
    return list(found) if all(old.is_ref_unassignable(ref) for ref in found) else []


COMMENT_POLICY = StandardDiffPolicy(
    global_rules=[*DEFAULT_DIFF_POLICY.global_rules, CommentRule()],
    form_rule=DEFAULT_DIFF_POLICY.form_rule)
"""pyHanko's default difference analysis, with comments cleared."""


def comments_review(embedded: EmbeddedPdfSignature) -> DiffResult | None:
    """The later revisions reviewed with :data:`COMMENT_POLICY`, for a certification at P=3
    whose default review failed: the result when they hold comments and nothing else that is
    not permitted at P=3 (level ANNOTATIONS), else None (the default review's refusal
    stands)."""
    try:
        review = COMMENT_POLICY.review_file(
            embedded.reader, embedded.signed_revision, field_mdp_spec=embedded.fieldmdp,
            doc_mdp=MDPPerm.ANNOTATE)
    except Exception:  # noqa: BLE001 (pyHanko raises what it cannot explain: not permitted)
        return None
    if isinstance(review, DiffResult) and \
            review.modification_level == ModificationLevel.ANNOTATIONS:
        return review
    return None
