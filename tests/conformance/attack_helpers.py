"""What the XML and CMS attack tests share: a real local HTTP listener that records every
request (to prove a verifier fetched nothing), and the victim's token key for re-signing (a
defective signer, so that only the check under test can catch an attack)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509 as cx509

from conformance.reference.signer import signing_context_from_testbed
from conformance.reference.signing_token import login_user, token_certificates, token_session
from conformance.reference.token_key import token_key
from testbed.session import Testbed

SERVED = b"<TaiLieuNgoai>noi dung do ke tan cong phuc vu</TaiLieuNgoai>"
"""What the listener answers (an attacker's external document)."""


class Listener:
    """An HTTP server on 127.0.0.1 that answers :data:`SERVED` and records each path asked."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.end_headers()
                self.wfile.write(SERVED)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


@contextlib.contextmanager
def listening() -> Iterator[Listener]:
    """A running :class:`Listener`, stopped afterwards."""
    listener = Listener()
    listener.thread.start()
    try:
        yield listener
    finally:
        listener.server.shutdown()
        listener.server.server_close()


@contextlib.contextmanager
def victim_key(testbed: Testbed, label: str) -> Iterator[Any]:
    """The token's key (signing happens on the token) for the duration of the block."""
    access, _, _, _ = signing_context_from_testbed(testbed, label)
    with token_session(access, access.module) as session:
        certificate, _ = token_certificates(session, access)
        login_user(session, access.module, testbed.tokens.user_pin(label), label)
        public = cx509.load_der_x509_certificate(certificate.dump()).public_key()
        yield token_key(session, bytes.fromhex(access.key_id), public)
