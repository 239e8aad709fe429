"""Gathering validation data into a document's DSS: pyHanko's ``add_validation_info``, for every
signature a PDF holds.

Raising a signature to B-LT (EN 319 142-1) means putting the certificates, OCSP responses and
CRLs that validate it, and its signature timestamp, into the document's DSS. pyHanko collects
them by *validating* the signer's and the TSA's paths (``collect_validation_info``), which is
why it lives here, behind the oracle's one door to pyHanko's validators
(``tests/test_architecture.py``); the reference tools' ``kyso extend``
(:mod:`conformance.reference.extension`) calls it. Nothing is judged here: a path that does not
validate is reported to the caller, who refuses to extend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

from bilingual import say
from conformance.oracle.timestamps import first_signature_timestamp, generation_time


class ValidationDataError(Exception):
    """The validation data of a signature could not be gathered (its path does not validate,
    or a service did not answer); the message says which signature and why, in one line."""


ContextAt = Callable[[datetime | None], ValidationContext]
"""The validation context to gather a signature's data with, given the time its signature
timestamp proves (None: it has none)."""


async def embed_validation_data(pdf: bytes, context_at: ContextAt) -> bytes:
    """``pdf`` with one incremental update per signature whose DSS (and VRI entry) holds what
    the context for it (``context_at`` the time its signature timestamp proves) gathered for
    that signature and its signature timestamp.

    The time matters once the signer's certificate has been revoked or has expired since it
    signed: pyHanko validates the path to collect its data, and at the time the timestamp
    proves (revocation data issued later accepted) the path still validates, and the OCSP
    answer saying *when* it was revoked goes into the DSS, which is what a verifier needs.
    Document timestamps are left to the archive timestamp step (pyHanko's
    ``PdfTimeStamper`` adds their data itself). Raises :class:`ValidationDataError`.
    """
    count = len(PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures)
    if count == 0:
        raise ValidationDataError(say("tài liệu không có chữ ký số nào để bổ sung dữ liệu kiểm tra",
                                      "the document holds no signature to extend"))
    current = pdf
    for index in range(count):
        signature = PdfFileReader(BytesIO(current), strict=False) \
            .embedded_regular_signatures[index]
        proven = generation_time(first_signature_timestamp(signature.signer_info))
        try:
            output = await async_add_validation_info(signature, context_at(proven),
                                                     output=BytesIO(), force_write=True)
        except (PathBuildingError, PathValidationError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ValidationDataError(f"signature '{signature.field_name}': {first_line}") \
                from None
        current = output.getvalue()
    return current

