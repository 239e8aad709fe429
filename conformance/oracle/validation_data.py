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

from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_add_validation_info
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError


class ValidationDataError(Exception):
    """The validation data of a signature could not be gathered (its path does not validate,
    or a service did not answer); the message says which signature and why, in one line."""


async def embed_validation_data(pdf: bytes, context: ValidationContext) -> bytes:
    """``pdf`` with one incremental update per signature whose DSS (and VRI entry) holds what
    ``context`` gathered for that signature and its signature timestamp.

    Document timestamps are left to the archive timestamp step (pyHanko's
    ``PdfTimeStamper`` adds their data itself). Raises :class:`ValidationDataError`.
    """
    count = len(PdfFileReader(BytesIO(pdf), strict=False).embedded_regular_signatures)
    if count == 0:
        raise ValidationDataError("the document holds no signature to extend")
    current = pdf
    for index in range(count):
        signature = PdfFileReader(BytesIO(current), strict=False) \
            .embedded_regular_signatures[index]
        try:
            output = await async_add_validation_info(signature, context, output=BytesIO(),
                                                     force_write=True)
        except (PathBuildingError, PathValidationError) as error:
            first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ValidationDataError(f"signature '{signature.field_name}': {first_line}") \
                from None
        current = output.getvalue()
    return current
