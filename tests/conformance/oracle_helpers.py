"""Signing helpers for the oracle and verifier tests: pyHanko signers with the testbed's software
keys, at the testbed's instant, at each PAdES level. Nothing here validates anything."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator import ValidationContext

from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
PERSON = VietnameseName(
    common_name="Trần Thị Bình", title="Chuyên viên", organization="Sở Nội vụ tỉnh Đồng Tháp",
    organizational_unit="Phòng Công chức, viên chức", locality="Đồng Tháp",
    identifier="CCCD:087190001234")

_DOCUMENT: dict[bool, bytes] = {}


def document(*, with_form_field: bool = True) -> bytes:
    """The test document (built once per process: embedding the font costs about a second)."""
    if with_form_field not in _DOCUMENT:
        _DOCUMENT[with_form_field] = administrative_document(with_form_field=with_form_field)
    return _DOCUMENT[with_form_field]


def root_of(testbed: Testbed, label: str) -> x509.Certificate:
    return x509.Certificate.load(testbed.certificate_der(testbed.chain(label)[-1].label))


def trust_roots(testbed: Testbed, *labels: str) -> list[x509.Certificate]:
    return [x509.Certificate.load(testbed.certificate_der(label))
            for label in (labels or ("root-cv",))]


def sign(testbed: Testbed, label: str, pdf: bytes, directory: Path, *, level: str = "B-B",
         md_algorithm: str = "sha256", field_name: str = "ChuKy1",
         subfilter: SigSeedSubFilter = SigSeedSubFilter.PADES,
         validation_context: ValidationContext | None = None) -> bytes:
    """Sign ``pdf`` with the software key of certificate ``label`` at PAdES ``level`` (or what
    ``level`` carries, in another ``subfilter``); B-LT and B-LTA embed what
    ``validation_context`` gathers (default: fetched live at the testbed's instant)."""
    directory.mkdir(parents=True, exist_ok=True)
    chain = testbed.chain(label)
    certificate_file = directory / f"{label}.der"
    certificate_file.write_bytes(testbed.certificate_der(label))
    ca_files = []
    for record in chain[1:]:
        path = directory / f"{record.label}.der"
        path.write_bytes(testbed.certificate_der(record.label))
        ca_files.append(str(path))
    signer = signers.SimpleSigner.load(str(testbed.private_key_path(label)),
                                       str(certificate_file), ca_chain_files=ca_files)
    assert signer is not None
    timestamper = None if level == "B-B" else timestamps.HTTPTimeStamper(
        testbed.urls("ca-cv")["tsa"])
    context = validation_context
    if level in ("B-LT", "B-LTA") and context is None:
        context = ValidationContext(trust_roots=[root_of(testbed, label)], allow_fetching=True,
                                    moment=testbed.now())
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=subfilter, md_algorithm=md_algorithm,
        embed_validation_info=level in ("B-LT", "B-LTA"), use_pades_lta=level == "B-LTA",
        validation_context=context)
    output = signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), metadata, signer=signer,
                              timestamper=timestamper)
    return output.getvalue()
