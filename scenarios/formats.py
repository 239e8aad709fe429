"""The format axis of a played story: one scenario file, one variant per signature format.

A scenario lists the formats its story applies to (``formats``, TT15/2025 Annex I rows
1.4–1.7 beside PAdES). It is played once per format: the PAdES variant is the scenario as it
always was (same id, so every PAdES case keeps its id), each other variant is the same story
with its id suffixed ``@<format>`` and only the steps that apply to that format. What differs
per format is kept here, out of the player: the document a story starts from (an
administrative document as a PDF, a công văn package or an e-invoice as XML, a Word file for a
detached signature), the file names, and what tampering means (an XML text node under the
signature changed, a detached signature's content file changed).
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from bilingual import say
from testbed import (
    AdministrativeDocument,
    InvalidInputError,
    administrative_document,
    administrative_package,
    invoice_document,
    word_document,
)

from .format_rules import step_formats
from .model import Document, Scenario
from .outcomes import SignatureFormat
from .tamper_kinds import tampered

SEPARATOR = "@"
"""Between a scenario's id and a format in a variant's id: ``tampering@cades``."""

DS_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"


def played_format(scenario: Scenario) -> SignatureFormat:
    """The format a (variant of a) scenario is played in: its first."""
    return scenario.formats[0]


def variant_id(scenario_id: str, fmt: SignatureFormat) -> str:
    """``tampering`` for PAdES (the ids PAdES cases always had), ``tampering@xades`` else."""
    return scenario_id if fmt is SignatureFormat.PADES else f"{scenario_id}{SEPARATOR}{fmt}"


def variant(scenario: Scenario, fmt: SignatureFormat) -> Scenario:
    """The story as played in ``fmt``: that format only, the steps of other formats left out.
    The timeline is filtered, not re-indexed by hand: a checkpoint's step index is its place in
    the variant's timeline."""
    if fmt not in scenario.formats:
        raise InvalidInputError(say(
            f"kịch bản '{scenario.id}' không áp dụng cho định dạng {fmt.value} (có: "
            f"{', '.join(f.value for f in scenario.formats)})",
            f"scenario '{scenario.id}' does not apply to format {fmt.value} (it has: "
            f"{', '.join(f.value for f in scenario.formats)})"))
    timeline = [step for step in scenario.timeline if fmt in step_formats(step, scenario.formats)]
    base = scenario.id.partition(SEPARATOR)[0]  # a variant's variant is itself
    return scenario.model_copy(update={"id": variant_id(base, fmt), "formats": [fmt],
                                       "timeline": timeline})


def format_variants(scenario: Scenario) -> list[Scenario]:
    """Every variant of ``scenario``, PAdES first when it has one (the catalogue's order)."""
    ordered = sorted(scenario.formats, key=lambda fmt: fmt is not SignatureFormat.PADES)
    return [variant(scenario, fmt) for fmt in ordered]


def split_variant_id(name: str) -> tuple[str, SignatureFormat | None]:
    """``tampering@xades`` → (``tampering``, xades); ``tampering`` → (``tampering``, None)."""
    base, _, suffix = name.partition(SEPARATOR)
    if not suffix:
        return name, None
    try:
        return base, SignatureFormat(suffix)
    except ValueError:
        known = ", ".join(fmt.value for fmt in SignatureFormat)
        raise InvalidInputError(say(f"'{name}': không biết định dạng '{suffix}' (có: {known})",
                                    f"'{name}': unknown format '{suffix}' (known: {known})")
                                ) from None


def find_variant(name: str) -> Scenario:
    """A catalogue scenario by id, or one of its variants by ``id@format``."""
    from .loader import find_scenario, load_scenario

    base, fmt = split_variant_id(name)
    scenario = load_scenario(find_scenario(base))
    return variant(scenario, fmt or played_format(scenario))


# ---- files -----------------------------------------------------------------------------------
def document_suffix(fmt: SignatureFormat) -> str:
    """The unsigned document's extension: what a person signing in that format starts from."""
    if fmt is SignatureFormat.PADES:
        return ".pdf"
    return ".xml" if fmt in (SignatureFormat.XADES, SignatureFormat.XMLDSIG) else ".docx"


def signed_suffix(fmt: SignatureFormat) -> str:
    """A signed artifact's extension: the signed document, or the detached ``.p7s``."""
    return ".p7s" if fmt.detached else document_suffix(fmt)


def format_document(fmt: SignatureFormat) -> bytes:
    """The document a story signs in ``fmt`` other than PAdES: a công văn package (XAdES), an
    e-invoice with its place for the seller's signature (XML-DSig, as invoicing software
    signs it), a Word document (CAdES / CMS, signed detached)."""
    if fmt is SignatureFormat.XADES:
        return administrative_package()
    if fmt is SignatureFormat.XMLDSIG:
        return invoice_document()
    return word_document()


# ---- tampering -------------------------------------------------------------------------------
def tampered_content(fmt: SignatureFormat, kind: str, data: bytes) -> bytes:
    """``data`` changed after signing, in ``fmt``: the signed XML document with one signed text
    node changed (``byte-flip``: a character; ``content-update``: the text rewritten), or a
    detached signature's content file with its bytes changed."""
    if fmt in (SignatureFormat.XADES, SignatureFormat.XMLDSIG):
        return _tampered_xml(kind, data)
    changed = bytearray(data)
    if kind == "byte-flip":
        changed[len(changed) // 2] ^= 0x01
        return bytes(changed)
    return bytes(changed) + "\nĐã sửa sau khi ký.\n".encode()


def _tampered_xml(kind: str, data: bytes) -> bytes:
    """The first text under a signed element (outside every ds:Signature) changed; the rest of
    the bytes are left as they were, so only the signed content differs."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(data, parser)
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag.startswith(f"{{{DS_NAMESPACE}}}"):
            continue
        if any(isinstance(a.tag, str) and a.tag == f"{{{DS_NAMESPACE}}}Signature"
               for a in element.iterancestors()):
            continue
        if element.text and element.text.strip():
            text = element.text
            element.text = (text[:-1] + chr(ord(text[-1]) ^ 1) if kind == "byte-flip"
                            else text + " (đã sửa sau khi ký)")
            return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    raise InvalidInputError(say("tài liệu XML không có nội dung văn bản để sửa",
                                "the XML document has no text to change"))


def artifact_path(directory: Path, name: str, fmt: SignatureFormat, *, signed: bool) -> Path:
    """Where the player writes artifact ``name`` in ``fmt``."""
    return directory / f"{name}{signed_suffix(fmt) if signed else document_suffix(fmt)}"


def write_document(fmt: SignatureFormat, spec: Document, directory: Path, name: str) -> Path:
    """Write the story's document ``name`` for ``fmt`` into ``directory``; its path. A PDF is
    the administrative decision the PAdES stories always signed (its subject, pages and form
    field as the scenario says); the other formats' documents are :func:`format_document`."""
    path = artifact_path(directory, name, fmt, signed=False)
    if fmt is SignatureFormat.PADES:
        content = (AdministrativeDocument(subject=spec.subject) if spec.subject
                   else AdministrativeDocument())
        path.write_bytes(administrative_document(content, pages=spec.pages,
                                                 with_form_field=spec.form_field))
    else:
        path.write_bytes(format_document(fmt))
    return path


def tampered_artifact(fmt: SignatureFormat, kind: str, signed: Path, content: Path | None,
                      directory: Path, name: str) -> tuple[Path, Path | None]:
    """Artifact ``name``: ``signed`` changed the way ``kind`` says, in ``fmt``. Returns its
    path and, for a detached signature, the changed content it now stands beside (the
    signature file itself is copied unchanged: the attacker swaps what it signs)."""
    output = artifact_path(directory, name, fmt, signed=True)
    if fmt is SignatureFormat.PADES:
        output.write_bytes(tampered(kind, signed.read_bytes()))
        return output, None
    if not fmt.detached:
        output.write_bytes(tampered_content(fmt, kind, signed.read_bytes()))
        return output, None
    if content is None:
        raise InvalidInputError(say(f"'{signed.name}' không có nội dung được ký kèm theo",
                                    f"'{signed.name}' has no signed content beside it"))
    changed = artifact_path(directory, name, fmt, signed=False)
    changed.write_bytes(tampered_content(fmt, kind, content.read_bytes()))
    output.write_bytes(signed.read_bytes())
    return output, changed


__all__ = ["SEPARATOR", "artifact_path", "document_suffix", "find_variant", "format_document",
           "format_variants", "played_format", "signed_suffix", "split_variant_id",
           "tampered_artifact", "tampered_content", "variant", "variant_id", "write_document"]
