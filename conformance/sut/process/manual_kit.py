"""The ``manual`` adapter: a test kit for a person driving a GUI program, and its results back.

:func:`export_kit` writes a folder a tester can carry to the machine with the program::

    kit/
      checklist.md                  what to do, case by case, Vietnamese first
      results.csv                   one row per case, to fill in (UTF-8 with BOM: Excel-safe)
      kit.json                      the cases as kyso knows them (role, format, files, instant)
      documents/                    the files to sign or verify: PDFs, XML documents, detached
                                    signatures (.p7s) and the files they sign
      tokens/<label>.json|.txt      how to reach each PKCS#11 token (module, environment, labels)
      PINS.txt                      the user PINs, apart from everything else (mode 0600)
      trust/                        the trust anchors (PEM)
      trust-stores/                 the same anchors in the forms products read (PEM bundle,
                                    OpenSSL CApath, DER, NSS database, PKCS#12 trust store,
                                    Windows .cer/.p7b with the commands to import and remove
                                    them) and README.txt: which form for which product
      signed/                       where the tester saves each signed file (.pdf, .xml, .p7s)

Each case names its signature format (TT15/2025 Annex I rows 1.4-1.7: PAdES, XAdES, e-invoice
XML-DSig, detached CAdES or CMS) in the checklist, so the person knows what to make or check.

:func:`import_results` reads the filled ``results.csv`` back into contract-v1 answers, so a
manual run is judged exactly like an automatic one. A row whose ``result`` is empty was not
played and is left out (the runner records it as ERROR); anything unreadable is refused with one
line ``FILE:LINE: COLUMN: PROBLEM``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import say
from scenarios import (
    DisplayField,
    Indication,
    SignatureAnswer,
    SignerAnswer,
    SignerOutcome,
    SignRequest,
    VerifierAnswer,
    VerifyRequest,
)
from testbed import (
    FORMS_GUIDE,
    VIETNAM,
    InvalidInputError,
    TokenAccess,
    TrustForm,
    TrustStoreError,
    TrustStores,
    write_pin_file,
)

KIT_VERSION = 1
EVIDENCE_COLUMNS = {"evidence_certificate": "certificate", "evidence_crl": "crl",
                    "evidence_status": "status"}
"""Where the tester saved what the program stores (TT15-5.4, 6.2), relative to the kit folder;
optional columns (kits written before them still import)."""
REQUIRED_COLUMNS = ["case_id", "role", "what_to_do", "result", "result_text",
                    *[field.value for field in DisplayField], "output_file", "notes"]
COLUMNS = [*REQUIRED_COLUMNS, *EVIDENCE_COLUMNS]
"""results.csv columns; the seven TT15-6.4.b fields are recorded as shown, verbatim."""

_SIGNED = {"signed", "đã ký", "da ky"}
_REFUSED = {"refused", "chưa ký", "chua ky", "không ký", "khong ky"}
_INDICATIONS = {
    "total-passed": Indication.TOTAL_PASSED, "valid": Indication.TOTAL_PASSED,
    "hợp lệ": Indication.TOTAL_PASSED, "hop le": Indication.TOTAL_PASSED,
    "total-failed": Indication.TOTAL_FAILED, "invalid": Indication.TOTAL_FAILED,
    "không hợp lệ": Indication.TOTAL_FAILED, "khong hop le": Indication.TOTAL_FAILED,
    "indeterminate": Indication.INDETERMINATE,
    "không xác định": Indication.INDETERMINATE, "khong xac dinh": Indication.INDETERMINATE,
}


class KitError(InvalidInputError):
    """A kit or results file that cannot be used; ``FILE:LINE: COLUMN: PROBLEM`` on one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class KitCase:
    """One case for a person: its ID, the request an adapter would get, and what it is about."""

    case_id: str
    request: SignRequest | VerifyRequest
    title_vi: str
    title_en: str = ""

    @property
    def role(self) -> str:
        return "sign" if isinstance(self.request, SignRequest) else "verify"


def _slug(case_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", case_id).strip("_") or "case"


def _copy_once(source: Path, directory: Path, copied: dict[str, str]) -> str:
    """Copy ``source`` into ``directory`` (same content once); its kit-relative path."""
    data = Path(source).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest in copied:
        return copied[digest]
    name = Path(source).name
    target = directory / name
    if target.exists():
        target = directory / f"{digest[:8]}-{name}"
    target.write_bytes(data)
    copied[digest] = str(target.relative_to(directory.parent))
    return copied[digest]


def _when(window: tuple[datetime, datetime] | None, moment: str) -> tuple[str, str]:
    """When to play a case: at the testbed instant (the program is told it), or within the
    kit's window by the computer's own clock (``clock = "system"``)."""
    if window is None:
        return f"Thời điểm testbed: {moment}.", f"Testbed instant: {moment}."
    start, end = (instant.astimezone(VIETNAM).isoformat() for instant in window)
    return (f"Làm trong khoảng {start} đến {end}, đồng hồ máy tính để đúng giờ thực.",
            f"Play it between {start} and {end}, with the computer's clock at the real time.")


FORMAT_WORDS: dict[str, tuple[str, str]] = {
    "pades": ("PAdES (chữ ký trong tệp PDF)", "PAdES (a signature inside the PDF)"),
    "xades": ("XAdES (chữ ký XML, EN 319 132)", "XAdES (an XML signature, EN 319 132)"),
    "xmldsig": ("XML-DSig nằm trong tài liệu, như hóa đơn điện tử",
                "XML-DSig inside the document, as e-invoices carry it"),
    "cades": ("CAdES tách rời, tệp .p7s (EN 319 122)", "detached CAdES, a .p7s file "
              "(EN 319 122)"),
    "cms": ("CMS/PKCS#7 tách rời, tệp .p7s", "detached CMS/PKCS#7, a .p7s file"),
}
"""How the checklist names each signature format (TT15/2025 Annex I rows 1.4-1.7)."""
OUTPUT_SUFFIX = {"pades": ".pdf", "xades": ".xml", "xmldsig": ".xml", "cades": ".p7s",
                 "cms": ".p7s"}
"""What a person's signed file is called in the kit, by format."""


def _format_of(request: SignRequest | VerifyRequest) -> str:
    return str(getattr(request, "format", "pades"))


def _sign_words(request: SignRequest, document: str, output: str | None) -> tuple[str, str]:
    kind = _format_of(request)
    form_vi, form_en = FORMAT_WORDS[kind]
    visible = " (chữ ký hiển thị)" if request.visible else ""
    level = "" if kind in ("xmldsig", "cms") else f", mức {request.level}"
    level_en = "" if kind in ("xmldsig", "cms") else f", level {request.level}"
    return (f"Ký tệp {document} bằng token '{request.token_label}' (mã PIN trong PINS.txt), "
            f"định dạng {form_vi}{level}{visible}; lưu tệp đã ký vào {output}. Nếu phần mềm "
            "từ chối ký, ghi 'chưa ký' và thông báo nó hiển thị.",
            f"Sign {document} with token '{request.token_label}' (PIN in PINS.txt), format "
            f"{form_en}{level_en}; save the signed file as {output}. If the program refuses, "
            "record 'refused' and the message shown.")


def _verify_words(request: VerifyRequest, document: str, content: str | None
                  ) -> tuple[str, str]:
    form_vi, form_en = FORMAT_WORDS[_format_of(request)]
    if content is not None:
        return (f"Kiểm tra chữ ký số tách rời {document} ({form_vi}) trên tệp đã ký {content}",
                f"Verify the detached signature {document} ({form_en}) over the signed file "
                f"{content}")
    return (f"Kiểm tra chữ ký số của tệp {document} ({form_vi})",
            f"Verify the signatures of {document} ({form_en})")


def _what_to_do(case: KitCase, document: str, output: str | None,
                window: tuple[datetime, datetime] | None = None,
                content: str | None = None) -> tuple[str, str]:
    request = case.request
    when_vi, when_en = _when(window, request.moment.isoformat())
    if isinstance(request, SignRequest):
        vietnamese, english = _sign_words(request, document, output)
        return f"{vietnamese} {when_vi}", f"{english} {when_en}"
    what_vi, what_en = _verify_words(request, document, content)
    return (f"{what_vi} (tin cậy các chứng thư gốc trong trust/, ở dạng khác trong "
            "trust-stores/); "
            "ghi kết quả (hợp lệ / không hợp lệ / không xác định), thông báo hiển thị và bảy "
            "trường thông tin; nếu phần mềm lưu chứng thư, CRL và kết quả kiểm tra trạng thái, "
            "chép các tệp đó vào thư mục evidence/ và ghi đường dẫn vào các cột evidence_*. "
            f"{when_vi}",
            f"{what_en} (trust the roots in trust/, in other "
            f"forms in trust-stores/); record the "
            f"result (valid / invalid / indeterminate), the message shown and the seven "
            f"fields; if the program stores the certificate, the CRL and the status result, "
            f"copy those files into evidence/ and write their paths in the evidence_* columns. "
            f"{when_en}")


def export_kit(kit_dir: Path, cases: Sequence[KitCase], *, program: str = "",
               instructions: str = "", window: tuple[datetime, datetime] | None = None
               ) -> Path:
    """Write a test kit for ``cases`` into ``kit_dir`` (new or empty); returns ``results.csv``.
    ``window``: the kit was made for a program that reads the computer's clock, for a test
    day: it holds from the first instant to the second."""
    if kit_dir.exists() and any(kit_dir.iterdir()):
        raise KitError(f"{kit_dir}: " + say(
            "thư mục không trống; hãy chọn một thư mục mới cho bộ kiểm thử",
            "not empty; choose a new directory for the kit"))
    ids = [case.case_id for case in cases]
    if len(set(ids)) != len(ids):
        raise KitError(f"{kit_dir}: " + say("mã điểm kiểm tra (case ID) phải là duy nhất",
                                            "case IDs must be unique"))
    for sub in ("documents", "tokens", "trust", "signed", "evidence"):
        (kit_dir / sub).mkdir(parents=True, exist_ok=True)
    copies = _KitCopies(documents={}, anchors={}, pins={})
    manifest: list[dict[str, Any]] = []
    rows: list[dict[str, str]] = []
    checklist = _checklist_header(program, instructions) + _window_lines(window)
    for case in cases:
        entry = _manifest_entry(case, kit_dir, copies)
        manifest.append(entry)
        output = entry.get("output")
        vietnamese, english = _what_to_do(case, entry["document"], output, window,
                                          entry.get("content"))
        checklist += [f"## {case.case_id}", "", f"**{case.title_vi}**"
                      + (f" / {case.title_en}" if case.title_en else ""), "",
                      f"- Việc cần làm: {vietnamese}", f"- To do: {english}", ""]
        row = dict.fromkeys(COLUMNS, "")
        row.update(case_id=case.case_id, role=case.role, what_to_do=vietnamese,
                   output_file=output or "")
        rows.append(row)
    _export_trust_stores(kit_dir, manifest)
    if copies.pins:
        write_pin_file(kit_dir / "PINS.txt",
                       "".join(f"{label}: {pin}\n" for label, pin in sorted(copies.pins.items())))
    (kit_dir / "checklist.md").write_text("\n".join(checklist), encoding="utf-8")
    (kit_dir / "kit.json").write_text(json.dumps(
        {"version": KIT_VERSION, "cases": manifest,
         **({"clock": "system", "test_day": window[0].isoformat(),
             "valid_until": window[1].isoformat()} if window else {"clock": "argument"})},
        ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")
    results = kit_dir / "results.csv"
    with results.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return results


@dataclass
class _KitCopies:
    """What the kit already holds, so each document, trust anchor and token is written once."""

    documents: dict[str, str]
    """Content digest -> the copy's path in the kit."""
    anchors: dict[str, str]
    pins: dict[str, str]
    """Token label -> PIN (written together to PINS.txt at the end)."""


def _export_trust_stores(kit_dir: Path, manifest: list[dict[str, Any]]) -> None:
    """Every form of the cases' trust anchors in ``trust-stores/`` (``trust-stores/set-N/``
    when cases trust different anchors; each manifest entry names its folder as
    ``trust_stores``). A form this machine cannot build (no ``certutil``) is left out, and
    README.txt says why."""
    sets = sorted({tuple(sorted(entry["trust"])) for entry in manifest if entry["trust"]})
    for number, anchors in enumerate(sets, start=1):
        folder = "trust-stores" if len(sets) == 1 else f"trust-stores/set-{number}"
        stores = TrustStores([kit_dir / anchor for anchor in anchors], kit_dir / folder)
        missing = []
        for form in TrustForm:
            try:
                stores.form(form)
            except TrustStoreError as error:
                missing.append(f"{form.value}/: " + say(
                    f"không tạo được trên máy này: {error}",
                    f"not built on this machine: {error}"))
        (kit_dir / folder / "README.txt").write_text(
            FORMS_GUIDE + "".join(f"\n{line}\n" for line in missing), encoding="utf-8-sig")
        for entry in manifest:
            if tuple(sorted(entry["trust"])) == anchors:
                entry["trust_stores"] = folder


def _window_lines(window: tuple[datetime, datetime] | None) -> list[str]:
    if window is None:
        return []
    start, end = (instant.astimezone(VIETNAM).isoformat() for instant in window)
    return [f"**Bộ kiểm thử này dùng được từ {start} đến {end}**, với đồng hồ máy tính để đúng "
            "giờ thực: các chứng thư, việc thu hồi và chữ ký đã được tạo lùi về quá khứ để "
            "đúng lúc đó phần mềm thấy đúng tình huống. Sau thời điểm đó, hãy xuất bộ mới "
            "(kyso kit export --test-day).", "",
            f"**This kit holds from {start} until {end}**, with the computer's clock at the "
            "real time: certificates, revocations and signatures were made in the past so "
            "that the program sees each case's situation then. After that, export a new kit "
            "(kyso kit export --test-day).", ""]


def kit_test_day(kit_dir: Path) -> datetime | None:
    """The instant a system-clock kit was made for (None: a kit told the testbed instant)."""
    try:
        text = json.loads((kit_dir / "kit.json").read_text(encoding="utf-8")).get("test_day")
    except (OSError, ValueError):
        return None
    return datetime.fromisoformat(text) if isinstance(text, str) else None


def _checklist_header(program: str, instructions: str) -> list[str]:
    checklist = ["# Danh sách kiểm thử thủ công / Manual test checklist", ""]
    if program:
        checklist += [f"Phần mềm / Program: {program}", ""]
    if instructions:
        checklist += [instructions, ""]
    checklist += [
        "Ghi kết quả của từng điểm kiểm tra vào `results.csv` (một dòng mỗi điểm kiểm tra), chép "
        "nguyên văn nội dung phần mềm hiển thị. Mã PIN nằm trong `PINS.txt`; cách nạp token "
        "(mô-đun PKCS#11, biến môi trường) nằm trong `tokens/`. Chứng thư gốc tin cậy: `trust/` "
        "(PEM); cùng các chứng thư đó ở dạng phần mềm đọc được (cơ sở dữ liệu NSS, kho PKCS#12 "
        "cho Java, .cer/.p7b cho Windows...): `trust-stores/`, xem `trust-stores/README.txt`.",
        "",
        "Record each case in `results.csv` (one row per case), copying verbatim what the program "
        "shows. PINs are in `PINS.txt`; how to load each token (PKCS#11 module, environment) is "
        "in `tokens/`. Trusted roots: `trust/` (PEM); the same anchors in the forms products "
        "read (NSS database, PKCS#12 trust store for Java, .cer/.p7b for Windows...): "
        "`trust-stores/`, see `trust-stores/README.txt`.", ""]
    return checklist


def _manifest_entry(case: KitCase, kit_dir: Path, copies: _KitCopies) -> dict[str, Any]:
    """The case's ``kit.json`` entry, copying its document, trust anchors and token into the kit
    (a signing case also names its output file, ``output``)."""
    request = case.request
    document = _copy_once(request.input, kit_dir / "documents", copies.documents)
    trust = [_copy_once(path, kit_dir / "trust", copies.anchors) for path in request.trust_roots]
    entry: dict[str, Any] = {"case_id": case.case_id, "role": case.role,
                             "document": document, "trust": trust,
                             "moment": request.moment.isoformat(),
                             "format": _format_of(request)}
    content = getattr(request, "content", None)
    if content is not None:
        entry["content"] = _copy_once(content, kit_dir / "documents", copies.documents)
    if isinstance(request, SignRequest):
        output = f"signed/{_slug(case.case_id)}{OUTPUT_SUFFIX[_format_of(request)]}"
        access = TokenAccess.load(request.token_access)
        label = access.token_label
        if label not in copies.pins:
            shared = access.model_copy(update={"pin_file": None})
            shared.write(kit_dir / "tokens" / f"{label}.json")
            (kit_dir / "tokens" / f"{label}.txt").write_text(shared.text(), encoding="utf-8")
            copies.pins[label] = request.pin_file.read_text(encoding="utf-8").strip()
        entry.update(output=output, token_label=label, level=request.level,
                     visible=request.visible)
    return entry


def import_results(csv_path: Path) -> dict[str, SignerAnswer | VerifierAnswer]:
    """The answers recorded in a filled ``results.csv`` (next to its ``kit.json``), by case ID."""
    manifest_path = csv_path.parent / "kit.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        roles = {case["case_id"]: case for case in manifest["cases"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise KitError(f"{manifest_path}: " + say(
            f"không phải tệp mô tả bộ kiểm thử kyso ({error})",
            f"not a kyso kit manifest ({error})")) from None
    try:
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            lines = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise KitError(f"{csv_path}: " + say(f"không đọc được ({error})",
                                             f"cannot read ({error})")) from None
    if not lines:
        raise KitError(f"{csv_path}:1: header: " + say("tệp trống", "the file is empty"))
    header = [name.strip() for name in lines[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise KitError(f"{csv_path}:1: header: " + say(f"thiếu cột '{missing[0]}'",
                                                       f"missing column '{missing[0]}'"))
    answers: dict[str, SignerAnswer | VerifierAnswer] = {}
    for number, values in enumerate(lines[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            raise KitError(f"{csv_path}:{number}: row: " + say(
                f"{len(values)} giá trị cho {len(header)} cột",
                f"{len(values)} values for {len(header)} columns"))
        row = {name: value.strip() for name, value in zip(header, values, strict=True)}
        where = f"{csv_path}:{number}"
        case = roles.get(row["case_id"])
        if case is None:
            raise KitError(f"{where}: case_id: '{row['case_id']}' " + say(
                "không phải điểm kiểm tra của bộ này", "is not a case of this kit"))
        if row["case_id"] in answers:
            raise KitError(f"{where}: case_id: '{row['case_id']}' " + say(
                "xuất hiện hai lần", "appears twice"))
        if not row["result"]:
            continue  # not played: no answer
        answers[row["case_id"]] = _answer(where, row, case, csv_path.parent)
    return answers


def _answer(where: str, row: dict[str, str], case: dict[str, Any],
            kit: Path) -> SignerAnswer | VerifierAnswer:
    result = row["result"].casefold()
    evidence = {key: str(kit / row[column]) for column, key in EVIDENCE_COLUMNS.items()
                if row.get(column)}
    if case["role"] == "sign":
        if result in _SIGNED:
            output = kit / (row["output_file"] or case["output"])
            return SignerAnswer(outcome=SignerOutcome.SIGNED,
                                output=str(output) if output.exists() else None,
                                display=row["result_text"] or None,
                                warnings=[row["notes"]] if row["notes"] else [],
                                evidence=evidence)
        if result in _REFUSED:
            return SignerAnswer(outcome=SignerOutcome.REFUSED, reason=row["result_text"] or None,
                                display=row["result_text"] or None)
        raise KitError(f"{where}: result: '{row['result']}' " + say(
            "không phải 'đã ký' (signed) hay 'chưa ký' (refused)",
            "is not 'signed' ('đã ký') or 'refused' ('chưa ký')"))
    indication = _INDICATIONS.get(result)
    if indication is None:
        raise KitError(f"{where}: result: '{row['result']}' " + say(
            "không phải một trong: hợp lệ, không hợp lệ, không xác định (hoặc TOTAL-PASSED, "
            "TOTAL-FAILED, INDETERMINATE)",
            "is not one of valid ('hợp lệ', TOTAL-PASSED), invalid ('không hợp lệ', "
            "TOTAL-FAILED), indeterminate ('không xác định', INDETERMINATE)"))
    display = {field.value: row[field.value] for field in DisplayField if row[field.value]}
    if row["result_text"]:
        display["result"] = row["result_text"]
    return VerifierAnswer(signatures=[SignatureAnswer(indication=indication, display=display)],
                          display=row["result_text"] or None, evidence=evidence)


def copy_signed_outputs(answers: dict[str, SignerAnswer | VerifierAnswer],
                        requests: dict[str, SignRequest]) -> None:
    """Put each signed file of the kit where the run expects it (``request.output``)."""
    for case_id, request in requests.items():
        answer = answers.get(case_id)
        if isinstance(answer, SignerAnswer) and answer.output:
            shutil.copyfile(answer.output, request.output)


__all__ = ["COLUMNS", "EVIDENCE_COLUMNS", "REQUIRED_COLUMNS", "KitCase", "KitError", "kit_test_day",
           "copy_signed_outputs", "export_kit", "import_results"]
