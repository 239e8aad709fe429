"""Emulated local signing services: a plugin-like service on 127.0.0.1 for each protocol family.

Most signing software in Vietnamese agencies is a local service that the agency's web
application calls over HTTP or WebSocket (it opens the token, asks for the PIN and returns the
signed file), or a remote-signing API that signs a hash once the user confirms on a phone. These
emulators speak each family's protocol and sign on the testbed's SoftHSM tokens through kyso's
reference signer and verifier (or a named defective variant). They are the ``http``/``ws-*``/
``remote-hash`` adapters' own tests, and a tool for web developers who integrate signing and
want to test against a plugin-like service without a physical token.

A tool beside the suite, not part of judging: this package uses the reference tools
(:mod:`conformance.reference`) and the testbed, and nothing in ``testbed``, ``scenarios``,
``conformance`` or ``reports`` imports it, except the ``kyso emulate`` command.

Starting one
------------
::

    kyso up --dir out/tb &                                  # a testbed (see README)
    kyso token create nguyen-van-an --dir out/tb --name "Nguyễn Văn An" --key p256
    kyso emulate http-plugin --token nguyen-van-an --dir out/tb
    # kyso-emulate: http-plugin lắng nghe tại / listening on http://127.0.0.1:8711

Options: ``--port N`` (defaults 8711 http-plugin, 8712 ws-oneshot, 8713 ws-session, 8714
remote-hash; 0 = ephemeral), ``--defect NAME`` (a defect of
:mod:`conformance.reference.defects` behind the service), ``--misbehave hang|close|garbage|huge``
(every operation misbehaves: :mod:`.misbehave`), ``--tls`` (https/wss with a self-signed
127.0.0.1 certificate made at start; its path is printed on a second line, ``kyso-emulate:
certificate PATH``; ``--certificate-file`` chooses it), ``--confirm auto|manual`` and
``--confirm-after S`` (remote-hash). Ctrl-C stops it. Every service answers ``GET /health``
with ``{"status": "ok", "family": ...}``. In Python: ``await start(family, port=0, defect=...,
misbehave=..., tls=...)`` gives a :class:`RunningService` (``.url``, ``.http_url``,
``.cert_path``, ``await .close()``); ``with serve_in_thread(...)`` does the same for
synchronous code.

The four families (details in each module's docstring)
------------------------------------------------------
* ``http-plugin`` (:mod:`.http_plugin`, Viettel-CA / FPT-CA style): ``POST /api/v1/sign/pdf``
  and ``/api/v1/verify/pdf``, form field ``request`` = base64(JSON) with ``FileData`` (base64
  PDF), ``FileName``, ``Pin``, ``Modules``; reply ``{"code", "message", "data": {"signedData",
  "warnings", "evidence"}}`` or, for verification, ``data: {"display", "signatures": [{
  "fieldName", "result": 0|1|2, "subIndication", "message", "fields"}]}``.
* ``ws-oneshot`` (:mod:`.ws_oneshot`, VGCA Sign Service style): one WebSocket per operation,
  ``/SignPDF`` and ``/VerifyPDF``; the message gives the URL to download the PDF from and the
  upload handler to POST the signed file to (multipart field ``uploadfile``); the PIN is typed
  in the service's own window (``GET /ui/pending``, ``POST /ui/answer``, :mod:`.dialogs`;
  :mod:`.ui_driver` answers it from a PIN file).
* ``ws-session`` (:mod:`.ws_session`, VNPT-CA / BkavCA style): one persistent WebSocket,
  ``{"id", "function", "args"}`` messages (``GetVersion``, ``SetLicense`` with a key starting
  ``KYSO-``, ``SignPDF``, ``VerifyPDF``), progress callbacks, then
  ``{"id", "type": "result", "code", "message", "data"}``; replies interleave.
* ``remote-hash`` (:mod:`.remote_hash`, NEAC remote-signing API, SmartCA / MySign style):
  ``credentials/info`` (certificate and chain), ``signatures/sign-hash`` (the certificate is
  checked and the PIN tried first), ``signatures/status`` (poll until ``confirmed`` with the raw
  signature, or ``rejected`` / ``expired`` / ``failed``); the calling software assembles the PDF
  signature. The digest is signed on the token (:mod:`.hash_signing`).

Result codes (every family): 0 signed / verification done, 1 refused (the certificate check
failed; the Vietnamese reason is the message), 2 wrong PIN, 3 token locked, 4 token absent or
lost, 64 unsupported, 9 internal error or unusable request (HTTP 400 naming the field);
ws-session adds 401 (no licence). Messages are the reference tools' own, Vietnamese first.

Testbed extension fields, and why they exist
--------------------------------------------
A real service reads its own clock, its own token and its own trust store; its requests carry
the document and (for most families) the PIN. One emulator, though, serves many simulated
testbeds at once (every test and conformance run has its own token store, its own simulated
instant), so each request may also carry ``TokenAccess`` (path of the token access JSON:
module, environment, labels; never the PIN), ``Moment`` (the testbed instant used as "now"),
``TrustFiles`` (PEM roots), ``TsaUrl``, ``Level`` (B-B/B-T/B-LT/B-LTA, default B-LT),
``FieldName`` and ``Visible`` (:mod:`.fields`). A web application leaves them out:
``kyso emulate ... --token LABEL --dir TESTBED`` fills them from that running testbed (the
token's access file, its clock, its trusted roots and TSA), so the application sends exactly
what it sends to the real plugin.
A request that names a token (remote-hash ``user_id``) uses that label instead.

Secrets and traces: the PIN received is written to a 0600 file for the signing subprocess and
deleted when it exits; it is never logged (``kyso emulate`` logs method, path, status and
duration only). The private key never leaves the token (C_Sign only). The evidence the reference
tools keep (certificate, CRL, status check) stays in the service's temporary working directory,
named by absolute path in the replies, until the service stops.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .choices import Confirmation as Confirmation
    from .choices import Family as Family
    from .choices import Misbehaviour as Misbehaviour
    from .context import ServiceOptions as ServiceOptions
    from .engine import ResultCode as ResultCode
    from .fields import TestbedDefaults as TestbedDefaults
    from .service import RunningService as RunningService
    from .service import run_foreground as run_foreground
    from .service import serve_in_thread as serve_in_thread
    from .service import start as start

_PUBLIC = {
    "Confirmation": ".choices",
    "Family": ".choices",
    "ServiceOptions": ".context",
    "ResultCode": ".engine",
    "TestbedDefaults": ".fields",
    "Misbehaviour": ".choices",
    "RunningService": ".service",
    "run_foreground": ".service",
    "serve_in_thread": ".service",
    "start": ".service",
}
"""Each public name and the module that defines it (loaded on first use: aiohttp only when a
 service is started or described)."""

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_PUBLIC[name], __name__), name)
