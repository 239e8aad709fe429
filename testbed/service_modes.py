"""How a live service of the testbed behaves: normally, or one of the simulated outages.

Kept apart from :mod:`testbed.world` (the registry's pydantic models) so that the command line
can list the modes (``kyso service set``) without building those models.
"""

from __future__ import annotations

from enum import StrEnum

from bilingual import say


class ServiceMode(StrEnum):
    """How a live service behaves, to simulate outages."""

    NORMAL = "normal"
    HTTP_500 = "http-500"
    NO_ANSWER = "no-answer"
    """Accept the connection, never answer (the client times out)."""
    SLOW = "slow"
    """Answer after ``delay_seconds``."""
    STALE = "stale"
    """CRL only: keep serving an old CRL whose nextUpdate has passed."""
    UNAUTHORIZED = "unauthorized"
    """OCSP only: answer every request with the OCSP error response ``unauthorized``
    (RFC 6960 2.3: the responder is not authoritative for the certificate asked about)."""
    UNKNOWN = "unknown"
    """OCSP only: answer ``unknown`` for every serial (a responder that does not know the CA's
    certificates)."""

    def words(self) -> str:
        """The mode in words for a person, bilingual (:func:`bilingual.say`); the value stays
        the machine code."""
        return say(*_WORDS[self])


_WORDS: dict[ServiceMode, tuple[str, str]] = {
    ServiceMode.NORMAL: ("bình thường", "normal"),
    ServiceMode.HTTP_500: ("lỗi máy chủ HTTP 500", "HTTP 500 server error"),
    ServiceMode.NO_ANSWER: ("không trả lời", "no answer"),
    ServiceMode.SLOW: ("trả lời chậm", "slow answers"),
    ServiceMode.STALE: ("CRL quá hạn (nextUpdate đã qua)", "stale CRL (nextUpdate passed)"),
    ServiceMode.UNAUTHORIZED: ("OCSP trả lời unauthorized (không có thẩm quyền)",
                               "OCSP answers unauthorized"),
    ServiceMode.UNKNOWN: ("OCSP trả lời unknown (không biết chứng thư chữ ký số)",
                          "OCSP answers unknown"),
}
"""Each mode's words: (Vietnamese, English)."""


__all__ = ["ServiceMode"]
