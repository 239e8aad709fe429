"""The python adapter's worker: one call of a vendor's entry point, in its own sandboxed process.

kyso starts ``python -m conformance.sut.process.python_worker`` through the sandbox (kyso's
source tree and its Python installation are readable there) once per sign/verify call, so an
untrusted python SUT gets what a ``cli`` one gets: a timeout, its own namespaces, only its
case's files, a traced file system. The worker reads one JSON object on stdin::

    {"entry_point": "module:factory", "path": ["/abs/dir", ...], "options": {...},
     "method": "sign" | "verify", "request": {... the SignRequest / VerifyRequest as JSON ...}}

imports the entry point, calls ``factory(**options).<method>(request)`` and prints exactly one
JSON object on stdout; the exit code says what it is:

* ``0``: the contract-v1 answer (SignerAnswer / VerifierAnswer), for kyso to validate;
* ``3`` (:data:`EXIT_EXCEPTION`): the entry point raised; ``{"exception": {"type", "message"}}``
  (the message's first line), the traceback on stderr;
* ``4`` (:data:`EXIT_NO_ANSWER`): it raised :class:`scenarios.roles.NoAnswer` on purpose (e.g.
  kyso's ``SutNoAnswer`` / ``SutUnsupported``): ``{"no_answer": {"reason", "kind",
  "verdict"}}``, passed back as the same exception (``verdict`` SKIPPED: unsupported);
* ``5`` (:data:`EXIT_ENTRY_POINT`): the entry point is broken (import error, no factory, the
  object lacks the method): ``{"entry_point": "<one line>"}``;
* ``6`` (:data:`EXIT_NOT_AN_ANSWER`): it returned something that is not an answer or a
  dictionary: ``{"not_an_answer": "<type name>"}``;
* ``2`` (:data:`EXIT_BAD_ORDER`): stdin was not a valid order (kyso's own bug).

It imports only what reading the order needs (:mod:`.worker_order`: the standard library and
:mod:`scenarios.roles`), so a call costs a sandboxed interpreter's start plus the vendor's own
imports (issue 22); pydantic's plugin search is off unless the profile's ``env`` says
otherwise.

Whatever the vendor's code prints goes to stderr (file descriptor 1 is moved to 2 while it
runs): stdout carries the answer only. PINs it prints are redacted by kyso, as for ``cli``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from conformance.sut.process.entry_point import EntryPointError, check_methods, import_factory
from conformance.sut.process.worker_order import read_order
from scenarios import NoAnswer, SignRequest, VerifyRequest

# Only what every call needs is imported here, none of pydantic: the worker starts once per
# call under strace, and a vendor that does not use kyso's models should not pay for them
# (issue 22). kyso validates the answer on its side.

EXIT_ANSWER, EXIT_BAD_ORDER, EXIT_EXCEPTION, EXIT_NO_ANSWER = 0, 2, 3, 4
EXIT_ENTRY_POINT, EXIT_NOT_AN_ANSWER = 5, 6
WORKER_EXIT_CODES = (EXIT_ANSWER, EXIT_EXCEPTION, EXIT_NO_ANSWER, EXIT_ENTRY_POINT,
                     EXIT_NOT_AN_ANSWER)
"""The exit codes that come with a JSON object on stdout (see the module docstring)."""


def answer_of(order: dict[str, Any], request: SignRequest | VerifyRequest
              ) -> tuple[int, dict[str, Any]]:
    """Run the order; the exit code and the JSON object to print."""
    method = order["method"]
    try:
        factory = import_factory(order["entry_point"], order.get("path", []))
    except EntryPointError as error:
        return EXIT_ENTRY_POINT, {"entry_point": str(error)}
    try:
        implementation = factory(**order.get("options", {}))
        check_methods(implementation, [method])
        answer = getattr(implementation, method)(request)
    except EntryPointError as error:
        return EXIT_ENTRY_POINT, {"entry_point": str(error)}
    except NoAnswer as silence:
        return EXIT_NO_ANSWER, {"no_answer": {
            "reason": silence.reason, "kind": getattr(silence, "kind", "no-answer"),
            "verdict": getattr(silence, "verdict", "ERROR")}}
    except Exception as error:  # noqa: BLE001 (the SUT's failure is reported, not raised)
        import traceback  # only when the vendor's code raised

        traceback.print_exc()
        lines = str(error).splitlines()
        return EXIT_EXCEPTION, {"exception": {"type": type(error).__name__,
                                              "message": lines[0] if lines else ""}}
    data = answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer
    if not isinstance(data, dict):
        return EXIT_NOT_AN_ANSWER, {"not_an_answer": type(answer).__name__}
    return EXIT_ANSWER, data


def main() -> int:
    """Read the order, keep stdout for the answer alone, print it; the exit code."""
    # pydantic's plugins are found by reading every installed package's metadata, in each
    # worker, under strace; a vendor's profile can bring them back (env: an empty value)
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    answer_fd = os.dup(1)
    os.dup2(2, 1)  # the vendor's prints (Python's and C's) go to stderr
    sys.stdout = sys.stderr
    try:
        order, request = read_order(sys.stdin.buffer.read())
    except (ValueError, KeyError, TypeError) as error:
        from bilingual import say  # only for kyso's own bug

        print(say(f"kyso python worker: lệnh trên stdin không hợp lệ: {error}",
                  f"kyso python worker: bad order on stdin: {error}"), file=sys.stderr)
        return EXIT_BAD_ORDER
    code, reply = answer_of(order, request)
    try:
        text = json.dumps(reply, ensure_ascii=False, default=str)
    except ValueError as error:  # a circular structure
        code, text = EXIT_NOT_AN_ANSWER, json.dumps({"not_an_answer": str(error)})
    with os.fdopen(answer_fd, "w", encoding="utf-8") as out:
        out.write(text + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
