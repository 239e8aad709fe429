"""pkcs11-spy traces: a signing session shows C_Sign and no key extraction, an extraction
attempt is flagged, and no PIN reaches the saved trace."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from testbed.tokens import SoftHsm, SubscriberToken, parse_trace, redact, run_traced

from .conftest import USER_PIN

# A program that tries to take the private key off the token: reads its value, tries to wrap it.
EXTRACTOR = """
import sys, pkcs11
from pkcs11.constants import Attribute, ObjectClass
lib = pkcs11.lib(sys.argv[1])
with lib.get_token(token_label=sys.argv[2]).open(rw=True, user_pin=sys.argv[3]) as session:
    key = session.get_key(object_class=ObjectClass.PRIVATE_KEY)
    try:
        key[Attribute.VALUE]
    except pkcs11.PKCS11Error as err:
        print("refused", type(err).__name__)
"""


def _pin_hex(pin: str) -> str:
    return " ".join(f"{byte:02X}" for byte in pin.encode())


def test_signing_session_trace_shows_sign_and_no_pin(
    tmp_path: Path, softhsm: SoftHsm, p256_token: SubscriberToken
) -> None:
    (tmp_path / "digest").write_bytes(hashlib.sha256(b"van ban").digest())
    trace_path = tmp_path / "trace.txt"
    run = run_traced(
        [
            "pkcs11-tool",
            "--module",
            "{module}",
            "--token-label",
            p256_token.label,
            "--login",
            "--pin",
            USER_PIN,
            "--sign",
            "--mechanism",
            "ECDSA",
            "--input-file",
            str(tmp_path / "digest"),
            "--output-file",
            str(tmp_path / "signature"),
        ],
        target_module=softhsm.module_path,
        env={"PATH": "/usr/bin:/bin", **softhsm.env()},
        trace_path=trace_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.summary.signed and run.summary.sign_calls == 1
    assert run.summary.logins == ["CKR_OK"]
    assert not run.summary.tried_key_extraction
    assert {"C_Initialize", "C_Login", "C_SignInit", "C_Sign"} <= set(run.summary.calls)

    saved = trace_path.read_text()
    assert "C_Login" in saved and "[in] pPin = <redacted>" in saved
    assert USER_PIN not in saved and _pin_hex(USER_PIN) not in saved
    assert sorted(os.listdir(tmp_path)) == ["digest", "signature", "testbed", "trace.txt"]


def test_extraction_attempt_is_flagged(
    tmp_path: Path, softhsm: SoftHsm, p256_token: SubscriberToken
) -> None:
    run = run_traced(
        [sys.executable, "-c", EXTRACTOR, "{module}", p256_token.label, USER_PIN],
        target_module=softhsm.module_path,
        env={**os.environ, **softhsm.env()},
        trace_path=tmp_path / "trace.txt",
        secrets=[USER_PIN],
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "refused AttributeSensitive"
    assert run.summary.tried_key_extraction and not run.summary.signed
    assert [read.split(":")[1] for read in run.summary.private_key_reads] == ["CKA_VALUE"]
    assert USER_PIN not in (tmp_path / "trace.txt").read_text()


SET_PIN_TRACE = """\
9: C_SetPIN
2026-11-22 22:12:39.088
[in] hSession = 0x1
[in] pOldPin[ulOldLen] 00007ffedb968a31 / 4
    00000000  31 32 33 34                                      1234
[in] pNewPin[ulNewLen] 00007ffedb968a4d / 4
    00000000  35 36 37 38                                      5678
Returned:  0 CKR_OK

10: C_WrapKey
[in] hSession = 0x1
[in] hWrappingKey = 0x7
[in] hKey = 0x3
Returned:  0 CKR_OK
"""


def test_redact_removes_old_and_new_pins() -> None:
    cleaned = redact(SET_PIN_TRACE)
    assert "1234" not in cleaned and "5678" not in cleaned and "31 32" not in cleaned
    assert "[in] pOldPin = <redacted>" in cleaned and "[in] pNewPin = <redacted>" in cleaned
    assert "Returned:  0 CKR_OK" in cleaned
    summary = parse_trace(cleaned)
    assert summary.calls == ["C_SetPIN", "C_WrapKey"]
    assert summary.wrap_calls == ["0x3"] and summary.tried_key_extraction
