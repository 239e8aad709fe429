"""The remote-hash service's token operations, one subprocess each (SoftHSM reads its
configuration once per process; each token access file names its own testbed).

    python -m emulators.hash_signing certificate --token-access ACCESS.json
    python -m emulators.hash_signing check --token-access ACCESS.json \\
        --pin-file PIN --moment ISO [--trust ROOT.pem ...]
    python -m emulators.hash_signing sign --token-access ACCESS.json \\
        --pin-file PIN --hash BASE64 --hash-algorithm sha256 --signature-algorithm ecdsa

Each prints one JSON object ``{"code": ..., "message": ...}`` (messages as the reference
signer's: "Đã ký. ..." / "Chưa ký. ...", Vietnamese first; codes as the services':
0 ok, 1 certificate refused, 2 wrong PIN, 3 locked, 4 token absent or lost, 64 unsupported,
9 internal error) plus ``certificate``/``chain`` (base64 DER) or ``signature`` (base64).

* ``certificate``: the certificate stored on the token with the key's CKA_ID, and the CA
  certificates stored beside it (issuer first), read without logging in.
* ``check``: what the service does before it asks the user to confirm: the reference
  certificate check at ``--moment`` (:mod:`conformance.reference.certificate_check`; a refusal
  is code 1 with its Vietnamese reason) and a login with the PIN (wrong PIN, locked token);
  then it stores what TT15 Art. 5 khoản 4 asks a signer to keep (the certificate, the CRL its
  distribution point names, the check result: ``evidence``, absolute paths in the working
  directory) and says what the signer will be told once signed (``message``).
* ``sign``: the digest signed ON THE TOKEN (C_Sign; the key never leaves it), found by the
  access file's key label and CKA_ID: RSA PKCS#1 v1.5 over the DigestInfo of the digest
  (CKM_RSA_PKCS), RSASSA-PSS (CKM_RSA_PKCS_PSS, MGF1 with the same hash, salt as long as the
  digest), ECDSA (raw CKM_ECDSA, the signature returned DER-encoded as in CMS).

The token is reached exactly as the reference signer reaches it (same module, same lockout
semantics, same Vietnamese messages). The PIN is read from its 0600 file and never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bilingual import say

HASH_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}
SIGNATURE_ALGORITHMS = ("rsa-pkcs1v15", "rsa-pss", "ecdsa")
TIMEOUT_SECONDS = 120.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hash_signing", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("certificate", "check", "sign"):
        command = commands.add_parser(name)
        command.add_argument("--token-access", type=Path, required=True)
        if name != "certificate":
            command.add_argument("--pin-file", type=Path, required=True)
    commands.choices["check"].add_argument("--moment", required=True)
    commands.choices["check"].add_argument("--trust", type=Path, action="append", default=[])
    sign = commands.choices["sign"]
    sign.add_argument("--hash", required=True, help=say("giá trị băm, base64",
                                                        "the digest, base64"))
    sign.add_argument("--hash-algorithm", required=True, choices=sorted(HASH_LENGTHS))
    sign.add_argument("--signature-algorithm", required=True, choices=SIGNATURE_ALGORITHMS)
    return parser


def _chain(certificate: Any, others: list[Any]) -> list[Any]:
    """The CA certificates, issuer first, then its issuer, ...; any others after."""
    ordered, remaining, current = [], list(others), certificate
    while True:
        issuer = next((c for c in remaining if c.subject == current.issuer), None)
        if issuer is None or issuer is current:
            break
        ordered.append(issuer)
        remaining.remove(issuer)
        current = issuer
    return ordered + remaining


def _digest_signature(key: Any, digest: bytes, hash_algorithm: str, scheme: str) -> bytes:
    from asn1crypto import algos
    from pkcs11 import KeyType, Mechanism
    from pkcs11.mechanisms import MGF

    if (scheme == "ecdsa") != (key.key_type == KeyType.EC):
        raise _Unsupported(f"khóa {key.key_type.name} không ký được bằng {scheme}")
    if scheme == "ecdsa":
        raw = bytes(key.sign(digest, mechanism=Mechanism.ECDSA))
        return bytes(algos.DSASignature.from_p1363(raw).dump())
    if scheme == "rsa-pss":
        hash_mechanism = {"sha256": Mechanism.SHA256, "sha384": Mechanism.SHA384,
                          "sha512": Mechanism.SHA512}[hash_algorithm]
        mgf = {"sha256": MGF.SHA256, "sha384": MGF.SHA384, "sha512": MGF.SHA512}[hash_algorithm]
        return bytes(key.sign(digest, mechanism=Mechanism.RSA_PKCS_PSS,
                              mechanism_param=(hash_mechanism, mgf, len(digest))))
    digest_info = algos.DigestInfo({"digest_algorithm": {"algorithm": hash_algorithm},
                                    "digest": digest}).dump()
    return bytes(key.sign(digest_info, mechanism=Mechanism.RSA_PKCS))


class _Unsupported(Exception):  # noqa: N818 (control flow: answered as code 64)
    pass


def not_signed(message: Any) -> str:
    """What the signer is told on a refusal, as the reference signer says it (TT15-5.6)."""
    return f"Chưa ký. {message.vietnamese}.\nNot signed. {message.english}."


def signed(check_message: Any) -> str:
    """What the signer is told once the signature is made, with the certificate check result."""
    return (f"Đã ký. Kết quả kiểm tra chứng thư số: {check_message.vietnamese}.\n"
            f"Signed. Certificate check: {check_message.english}.")


def _read_pin(path: Path) -> str:
    return path.read_text(encoding="utf-8").rstrip("\r\n")


async def _run(arguments: argparse.Namespace) -> dict[str, Any]:
    """One command on the token (certificate, check or sign); the answer printed as JSON."""
    import pkcs11
    from pkcs11.constants import ObjectClass

    from conformance import Refusal, login_user, token_certificates, token_session
    from emulators.engine import ResultCode, refusal_code
    from testbed import TokenAccess

    access = TokenAccess.load(arguments.token_access)
    label = access.token_label
    # the reference signer's own token door: same module, same refusals, same messages
    try:
        with token_session(access, access.module) as session:
            certificate, others = token_certificates(session, access)
            if arguments.command == "certificate":
                return {"code": ResultCode.OK, "message": "Chứng thư số trên thiết bị",
                        "certificate": base64.b64encode(certificate.dump()).decode(),
                        "chain": [base64.b64encode(c.dump()).decode()
                                  for c in _chain(certificate, others)]}
            pin = _read_pin(arguments.pin_file)
            if arguments.command == "check":
                return await _check(arguments, session, access, certificate, others, pin)
            login_user(session, access.module, pin, label)
            key = session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                  id=bytes.fromhex(access.key_id), label=access.key_label)
            digest = base64.b64decode(arguments.hash, validate=True)
            if len(digest) != HASH_LENGTHS[arguments.hash_algorithm]:
                return {"code": ResultCode.INTERNAL,
                        "message": f"Yêu cầu không hợp lệ: hash: {len(digest)} byte, không "
                                   f"phải {arguments.hash_algorithm}"}
            signature = _digest_signature(key, digest, arguments.hash_algorithm,
                                          arguments.signature_algorithm)
            return {"code": ResultCode.OK, "message": "Đã ký",
                    "signature": base64.b64encode(signature).decode()}
    except Refusal as refusal:
        return {"code": refusal_code(refusal.message.english),
                "message": not_signed(refusal.message)}
    except _Unsupported as error:
        return {"code": ResultCode.UNSUPPORTED, "message": f"Không hỗ trợ: {error}"}
    except pkcs11.PKCS11Error as error:
        return {"code": ResultCode.INTERNAL,
                "message": f"Lỗi thiết bị lưu khóa bí mật '{label}': {error!r}"}


async def _check(arguments: argparse.Namespace, session: Any, access: Any, certificate: Any,
                 others: list[Any], pin: str) -> dict[str, Any]:
    """``check``: the certificate check at ``--moment`` (refused: not signed), then the PIN
    (login), then the evidence kept in the working directory."""
    from asn1crypto import pem, x509

    from conformance import (
        CheckOutcome,
        async_check_certificate,
        login_user,
        store_evidence,
    )
    from emulators.engine import ResultCode
    from testbed import parse_instant

    roots: list[Any] = []
    for path in arguments.trust:
        data = path.read_bytes()
        roots.append(x509.Certificate.load(pem.unarmor(data)[2] if pem.detect(data) else data))
    moment = parse_instant(arguments.moment, field="--moment")
    check = await async_check_certificate(
        certificate, chain_candidates=others, trust_roots=roots, moment=moment)
    if check.outcome is CheckOutcome.REFUSE:
        return {"code": ResultCode.REFUSED, "message": not_signed(check.message)}
    login_user(session, access.module, pin, access.token_label)
    warnings = [check.message.text()] if check.outcome is CheckOutcome.WARN else []
    status = {"outcome": check.outcome.value, "message": check.message.text(),
              "detail": check.detail, "moment": moment.isoformat(), "subject": check.subject}
    stored = store_evidence(Path.cwd(), certificate.dump(), status)
    return {"code": ResultCode.OK, "message": signed(check.message), "warnings": warnings,
            "evidence": {key: str(Path.cwd() / path) for key, path in stored.items()}}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.ERROR)
    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        answer = asyncio.run(_run(arguments))
    except Exception as error:  # noqa: BLE001 (one line on stderr, exit 3: the caller says 9)
        cause = f"{type(error).__name__}: {error}"
        print("hash_signing: " + say(f"lỗi nội bộ: {cause}", f"internal error: {cause}"),
              file=sys.stderr)
        return 3
    print(json.dumps(answer, ensure_ascii=False))
    return 0


# ---- the service's side: one call = one subprocess ----------------------------------------------
async def call(command: str, access_file: Path, *, pin: str | None = None,
               options: Sequence[str] = (), directory: Path) -> dict[str, Any]:
    """Run one operation in a subprocess; its JSON answer (code 9 when it gave none).

    The PIN goes to a 0600 file in ``directory`` for the subprocess and is removed as soon as
    it has exited."""
    from testbed import write_pin_file

    arguments = [sys.executable, "-m", "emulators.hash_signing", command,
                 "--token-access", str(access_file), *options]
    pin_file = None
    if pin is not None:
        pin_file = write_pin_file(directory / f"pin-{command}", pin)
        arguments += ["--pin-file", str(pin_file)]
    try:
        process = await asyncio.create_subprocess_exec(
            *arguments, cwd=directory, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
    finally:
        if pin_file is not None:
            pin_file.unlink(missing_ok=True)
    try:
        answer = json.loads(stdout)
        if isinstance(answer, dict) and isinstance(answer.get("code"), int):
            return answer
    except ValueError:
        pass
    tail = stderr.decode("utf-8", "replace").strip().splitlines()
    return {"code": 9, "message": f"Lỗi nội bộ: {tail[-1] if tail else 'no answer'}"}


if __name__ == "__main__":
    sys.exit(main())
