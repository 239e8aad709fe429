"""The reference tools' argument tables: ``kyso sign``, ``kyso verify`` (and ``--defect``) and
``kyso extend`` (raise a signed PDF to B-LT/B-LTA, renew its archive timestamp).

The reference signer and verifier (:mod:`conformance.reference.signer`,
:mod:`conformance.reference.verifier`) load pyHanko, aiohttp and the PKCS#11 bindings; they are
imported when one of these commands runs, never while the parser is built. ``--defect NAME``
runs a deliberately defective variant (:mod:`conformance.reference.defects`) instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.reference.signature_levels import SignatureLevel

from .parsing import DEFAULT_TESTBED, enum_choices

if TYPE_CHECKING:
    from .parsing import Subcommands


def add_commands(commands: Subcommands) -> None:
    """Add ``sign``, ``verify`` and ``extend`` to the root command."""
    _add_verify(commands)
    _add_sign(commands)
    _add_extend(commands)


def _add_verify(commands: Subcommands) -> None:
    verify = commands.add_parser("verify", help="verify the signatures of a PDF (kiểm tra chữ "
                                 "ký số)")
    verify.set_defaults(handler=run_verify)
    verify.add_argument("file", type=Path, help="the PDF to check")
    verify.add_argument("--trust", type=Path, action="append", default=[],
                        help="trusted root certificate(s): a PEM/DER file or a directory of "
                        "them (repeatable)")
    verify.add_argument("--testbed", "--dir", dest="testbed", type=Path,
                        help="trust this testbed's roots, use its services and validate at "
                        "its instant (default "
                        "without --trust: $KYSO_TESTBED, else out/testbed, else the demo's "
                        "lab out/demo/lab)")
    verify.add_argument("--at", help="validation time, ISO 8601 (without a zone: Vietnam "
                        "time); default: the testbed's instant, or now")
    verify.add_argument("--json", action="store_true",
                        help="print the VerifierAnswer JSON (adapter contract v1)")
    verify.add_argument("--offline", action="store_true",
                        help="use only the validation data the document carries (DSS, the "
                        "CMS): no OCSP or CRL request, as in an archive without network")
    verify.add_argument("--defect", help="run a deliberately defective variant instead "
                        "(see 'kyso mutants'), e.g. ignore-revocation")


def _add_sign(commands: Subcommands) -> None:
    sign = commands.add_parser("sign", help="sign a PDF on a token with the reference signer "
                               "(PAdES)")
    sign.set_defaults(handler=run_sign)
    sign.add_argument("input", type=Path, help="the PDF to sign")
    sign.add_argument("output", type=Path, help="where the signed PDF goes (never on refusal)")
    sign.add_argument("--token", required=True, help="label of the subscriber's token")
    sign.add_argument("--testbed", "--dir", dest="testbed", type=Path, default=DEFAULT_TESTBED,
                      help="testbed directory: token access, PIN, trust roots, TSA, clock "
                      "(default: $KYSO_TESTBED or out/testbed)")
    sign.add_argument("--pin-file", type=Path, help="user PIN file (default: the testbed's)")
    sign.add_argument("--level", default=SignatureLevel.B_LT.value, metavar="LEVEL",
                      help="%(choices)s (default %(default)s)",
                      **enum_choices(SignatureLevel, parse=SignatureLevel.parse))
    sign.add_argument("--visible", help="PAGE,X1,Y1,X2,Y2: a visible signature (page from 1)")
    sign.add_argument("--reason"), sign.add_argument("--location")
    sign.add_argument("--field", help="signature field name (default: ChuKyN, first free)")
    sign.add_argument("--name", help="signer name shown in the appearance (default: CN)")
    sign.add_argument("--org", help="organisation shown in the appearance (default: O)")
    sign.add_argument("--rsa-pss", action="store_true", help="RSA keys: RSASSA-PSS")
    sign.add_argument("--tsa-url", help="timestamp authority (default: the testbed's)")
    sign.add_argument("--module", help="PKCS#11 module to load instead of the access file's "
                      "(e.g. pkcs11-spy forwarding to it)")
    sign.add_argument("--json", action="store_true", help="print the answer as JSON")
    sign.add_argument("--defect", help="run a deliberately defective variant instead "
                      "(see 'kyso mutants'), e.g. no-validity-check")


def _add_extend(commands: Subcommands) -> None:
    extend = commands.add_parser("extend", help="raise a signed PDF to PAdES B-LT or B-LTA, or "
                                 "renew its archive timestamp (lưu trữ dài hạn)")
    extend.set_defaults(handler=run_extend)
    extend.add_argument("file", type=Path, help="the signed PDF")
    extend.add_argument("--testbed", "--dir", dest="testbed", type=Path, default=DEFAULT_TESTBED,
                        help="testbed directory: trust roots, TSA, clock; its services must "
                        "answer (default: $KYSO_TESTBED or out/testbed)")
    extend.add_argument("--level", default=SignatureLevel.B_LTA.value, metavar="LEVEL",
                        help="B-LT (validation data in the DSS) or B-LTA (and a document "
                        "timestamp) (default %(default)s)",
                        **enum_choices(SignatureLevel, parse=SignatureLevel.parse))
    extend.add_argument("--renew", action="store_true",
                        help="renew the archive timestamp (before its TSA certificate "
                        "expires): its validation data, then a new document timestamp")
    extend.add_argument("--out", type=Path,
                        help="where the extended PDF goes (default: replace FILE, atomically)")
    extend.add_argument("--tsa-url", help="timestamp authority (default: the testbed's công vụ "
                        "TSA)")


def run_verify(arguments: argparse.Namespace) -> int:
    """``kyso verify``: the reference verifier, or the defective variant ``--defect`` names."""
    from conformance.reference.verifier import run_verify as verify_command

    if not arguments.defect:
        return verify_command(arguments)
    from conformance.reference.defects import DefectiveVerifier, parse_defect

    variant = DefectiveVerifier(parse_defect(arguments.defect, "verifier"))
    return verify_command(arguments, variant=variant.verify_document)


def run_sign(arguments: argparse.Namespace) -> int:
    """``kyso sign``: the reference signer, or the defective variant ``--defect`` names."""
    from conformance.reference.sign_command import run_sign_command

    if not arguments.defect:
        return run_sign_command(arguments)
    from conformance.reference.defects import DefectiveSigner, parse_defect

    return run_sign_command(arguments, variant=DefectiveSigner(
        parse_defect(arguments.defect, "signer")).sign)


def run_extend(arguments: argparse.Namespace) -> int:
    """``kyso extend``: the reference archive tool."""
    from conformance.reference.extend_command import run_extend_command

    return run_extend_command(arguments)
