"""The PKCS#11 trace of one signing call, shared by every adapter that hands a SUT a token.

A signer under test reaches the testbed's token through a copy of its access file whose module
is OpenSC's pkcs11-spy (forwarding to the real module): the case directory then shows what the
SUT did with the token (C_Sign, and no attempt to read or wrap the private key), with PINs
redacted. The ``cli`` adapter passes the copy as ``{token_access}``/``{module}``; the service
adapters send the same paths to the service (an emulated service, or a real one that honours
the testbed extension fields, loads the traced module).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any

from testbed import SpyTrace, TestbedError, TokenAccess


class TracedToken:
    """The token as the SUT sees it for one sign call: behind OpenSC's pkcs11-spy when installed.

    ``with TracedToken(access, access_path, case_dir, suffix, [pin]) as token:`` then give the SUT
    ``token.access_path`` (and ``token.access.module``).

    The SUT gets a copy of the access file (``token-access.json`` in the case directory) whose
    module is the spy, forwarding to the real module, and whose environment adds the spy's.
    Afterwards the case directory holds ``pkcs11-trace.txt`` (the trace, PINs redacted) and
    ``pkcs11-trace.json`` (what it shows: C_Sign calls, attempts to read or wrap the private
    key). Without pkcs11-spy the SUT gets the original access file and the summary says
    ``"traced": false``.
    """

    def __init__(self, access: TokenAccess, access_path: Path, root: Path, suffix: str,
                 secrets: list[str]) -> None:
        self.access = access
        self.access_path = access_path
        self._copy = root / f"token-access{suffix}.json"
        self._trace_file = root / f"pkcs11-trace{suffix}.txt"
        self._summary_file = root / f"pkcs11-trace{suffix}.json"
        self._secrets = secrets
        self._spy: SpyTrace | None = None
        self._untraced_reason = ""

    def __enter__(self) -> TracedToken:
        try:
            spy = SpyTrace(Path(self.access.module), self._trace_file, secrets=self._secrets)
        except TestbedError as error:  # pkcs11-spy not installed: run untraced
            self._untraced_reason = str(error)
            return self
        try:
            spy.__enter__()
        except OSError as error:
            self._untraced_reason = f"cannot set up the pkcs11-spy trace: {error}"
            return self
        self._spy = spy
        try:
            traced = self.access.model_copy(update={"module": str(spy.module),
                                                    "env": {**self.access.env, **spy.env}})
            self.access_path = traced.write(self._copy)
        except BaseException:
            spy.__exit__(None, None, None)
            self._spy = None
            raise
        self.access = traced
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        facts: dict[str, Any]
        if self._spy is None:
            facts = {"traced": False, "reason": self._untraced_reason}
        else:
            self._spy.__exit__(exc_type, exc, traceback)
            summary = self._spy.summary()
            facts = {"traced": True, "trace_file": self._trace_file.name,
                     "functions": sorted(set(summary.calls)), "calls": summary.calls,
                     "sign_calls": summary.sign_calls, "logins": summary.logins,
                     "private_key_reads": summary.private_key_reads,
                     "wrap_calls": summary.wrap_calls,
                     "tried_key_extraction": summary.tried_key_extraction}
        self._summary_file.write_text(json.dumps(facts, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")


__all__ = ["TracedToken"]
