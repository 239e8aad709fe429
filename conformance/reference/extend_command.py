"""``kyso extend``: the reference archive tool on the command line.

It reads the testbed directory for what an archive system is configured with (the trusted
roots, the công vụ TSA, the testbed's instant), extends the document with
:mod:`conformance.reference.extension` and says what it did, Vietnamese first. Exit 0: extended;
1: it could not be (one line on stderr: why); 2: a usage or input error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bilingual import say
from conformance.reference.extension import (
    ExtensionError,
    async_extend,
    extension_request,
    write_extended,
)
from conformance.reference.signer import testbed_trust_roots

TSA_AUTHORITY = "ca-cv"
"""Whose TSA stamps archive timestamps by default: the công vụ CA's, as for signing."""


def run_extend_command(arguments: argparse.Namespace) -> int:
    """``kyso extend``: 0 extended, 1 could not be extended, 2 usage error (raised)."""
    from testbed import Testbed

    testbed = Testbed.open(arguments.testbed)
    output = arguments.out or arguments.file
    request = extension_request(
        arguments.file, output, level=arguments.level, renew=arguments.renew,
        trust_roots=testbed_trust_roots(testbed), moment=testbed.now(),
        tsa_url=arguments.tsa_url or testbed.urls(TSA_AUTHORITY)["tsa"])
    try:
        extended = asyncio.run(async_extend(request))
    except ExtensionError as failure:
        print(say(f"kyso extend: không gia hạn được: {failure}",
                  f"kyso extend: could not extend: {failure}"), file=sys.stderr)
        return 1
    write_extended(Path(output), extended)
    if request.renew:
        print(say(f"Đã gia hạn dấu thời gian lưu trữ: {output}",
                  f"Archive timestamp renewed: {output}"))
    else:
        level = request.level.value
        print(say(f"Đã nâng lên PAdES {level}: {output}", f"Extended to PAdES {level}: {output}"))
    return 0
