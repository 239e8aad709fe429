"""``kyso sample FILE``: a Vietnamese sample PDF to sign, made by the testbed's own generator.

A newcomer following the README needs a document before ``kyso sign``; any PDF at hand would do,
but one with real Vietnamese text (an administrative *Quyết định* laid out after ND30/2020, DejaVu
Sans embedded) shows at once whether a product renders and signs it rightly. Generating it
(:func:`testbed.administrative_document`, the same document every scenario signs) rather than
shipping a file keeps it the one the tests use, wherever kyso is installed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bilingual import say
from testbed import InvalidInputError

from .exit_codes import ExitCode

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``sample`` to the root command."""
    sample = commands.add_parser("sample", help=say(
        "ghi một văn bản mẫu PDF tiếng Việt để ký (một Quyết định của một sở cấp tỉnh)",
        "write a Vietnamese sample PDF to sign (a decision of a provincial department)"))
    sample.set_defaults(handler=run_sample)
    sample.add_argument("file", type=Path, help=say("nơi ghi tệp PDF (thay thế nếu đã có)",
                                                    "where the PDF goes (replaced if it exists)"))
    sample.add_argument("--pages", type=int, default=1, choices=(1, 2), help=say(
        "một hoặc hai trang (mặc định 1)", "one or two pages (default 1)"))
    sample.add_argument("--form-field", action="store_true", help=say(
        "có một trường văn bản trống (ý kiến tiếp nhận) để điền sau khi ký",
        "with an empty text field (the receiver's comments), to fill after signing"))


def run_sample(arguments: argparse.Namespace) -> int:
    """Write the sample document; exit 0, or 2 when ``FILE`` cannot be written."""
    from testbed import administrative_document

    data = administrative_document(pages=arguments.pages,
                                   with_form_field=arguments.form_field)
    path: Path = arguments.file
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise InvalidInputError(say(f"file: không ghi được {path} ({error.strerror})",
                                    f"file: cannot write {path} ({error.strerror})")) from None
    print(say(f"Đã ghi văn bản mẫu: {path} ({len(data):,} byte)",
              f"Sample document written: {path} ({len(data):,} bytes)"))
    return ExitCode.OK
