"""What the testbed's TSA refuses to stamp, and how it says so (RFC 3161 2.4.1 and 2.4.2).

A testbed TSA that grants anything teaches a signer nothing: a real TSA refuses a request it
cannot honour, and a signer must notice. RFC 3161 2.4.1 names what the TSA checks before it
issues a token, and 2.4.2 the PKIFailureInfo bit of each refusal (status ``rejection``):

* an extension the TSA does not recognise, critical or not: ``unacceptedExtension``
  (the testbed's TSA recognises none);
* a hash algorithm it does not know, or knows to be broken (MD2, MD5): ``badAlg``;
* an imprint whose length is not that algorithm's digest length: ``badDataFormat``;
* a requested policy that is not the TSA's own: ``unacceptedPolicy``;
* a request that does not parse, or a nonce longer than any client uses: ``badDataFormat``;
* any request once the TSA's log is full (:mod:`testbed.tsa_log`): ``systemFailure``.

SHA-1 imprints are still granted: RFC 3161 leaves "weak" to the TSA, and the suite's SHA-1
signer (a defect case) must get its token so that the verifier's judgement is what is tested.
Every refusal carries a statusString, Vietnamese first, so a person reading ``openssl ts
-reply -text`` learns why.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import core, tsp

from .tsa_log import GRANTED, REJECTED, TimestampLogEntry

IMPRINT_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512", "sha512_224",
                            "sha512_256", "sha3_224", "sha3_256", "sha3_384", "sha3_512"})
"""The imprint hash algorithms the TSA stamps (asn1crypto names; all fixed-length)."""
MAX_NONCE_BITS = 256
"""Longer nonces are refused: clients send 64 bits (openssl, pyHanko), and the log records
nonces in decimal, one bounded line per request (:mod:`testbed.tsa_log`)."""


@dataclass(frozen=True)
class Refusal:
    """Why the TSA refuses a request: the PKIFailureInfo bit and a bilingual statusString."""

    fail_info: str
    """asn1crypto's name of the PKIFailureInfo bit (``bad_alg``, ``unaccepted_policy`` ...)."""
    reason: str
    """Vietnamese first, English after."""


class _TimeStampRejection(core.Sequence):
    """An RFC 3161 TimeStampResp without a token (asn1crypto's model makes the token
    mandatory, so a rejection could not be encoded with it)."""

    _fields = [("status", tsp.PKIStatusInfo)]


UNPARSABLE = Refusal("bad_data_format", "Yêu cầu không đúng cú pháp RFC 3161 / "
                                        "the request does not parse as an RFC 3161 TimeStampReq")
LOG_FULL = Refusal("system_failure", "Nhật ký của máy chủ cấp dấu thời gian đã đầy (xóa hoặc "
                                     "đổi tên tsa-log.jsonl) / the TSA log is full (remove or "
                                     "rename tsa-log.jsonl)")


def digest_size(algorithm: str) -> int:
    """The digest length in bytes of an algorithm of :data:`IMPRINT_HASHES`."""
    return hashlib.new(algorithm).digest_size


def refusal_of(request: tsp.TimeStampReq, policy: str) -> Refusal | None:
    """Why the TSA whose policy is ``policy`` must refuse ``request`` (a fully parsed one), or
    None when it may grant it."""
    if request["extensions"].native:
        names = ", ".join(str(e["extn_id"].dotted) for e in request["extensions"])
        return Refusal("unaccepted_extensions",
                       f"Máy chủ cấp dấu thời gian không nhận phần mở rộng {names} / "
                       f"unaccepted extension {names}")
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"]
    name = algorithm.native
    if name not in IMPRINT_HASHES:
        return Refusal("bad_alg", f"Thuật toán băm {algorithm.dotted} không được chấp nhận / "
                                  f"hash algorithm {algorithm.dotted} not accepted")
    length, expected = len(imprint["hashed_message"].native), digest_size(name)
    if length != expected:
        return Refusal("bad_data_format",
                       f"Giá trị băm dài {length} byte, {name} cần {expected} byte / "
                       f"a {name} imprint is {expected} bytes, not {length}")
    requested = request["req_policy"]
    if requested.native is not None and requested.dotted != policy:
        return Refusal("unaccepted_policy",
                       f"Chính sách {requested.dotted} không phải của máy chủ này ({policy}) / "
                       f"policy {requested.dotted} is not this TSA's ({policy})")
    nonce = request["nonce"].native
    if nonce is not None and abs(nonce).bit_length() > MAX_NONCE_BITS:
        return Refusal("bad_data_format", f"Số nonce dài quá {MAX_NONCE_BITS} bit / "
                                          f"nonce longer than {MAX_NONCE_BITS} bits")
    return None


def rejection_response(refusal: Refusal) -> bytes:
    """The DER TimeStampResp refusing a request: status ``rejection``, the failInfo bit and the
    reason as statusString."""
    return _TimeStampRejection({"status": {
        "status": "rejection", "status_string": [refusal.reason],
        "fail_info": {refusal.fail_info}}}).dump()


def refused_entry(authority: str, now: datetime, request: tsp.TimeStampReq | None,
                  refusal: Refusal) -> TimestampLogEntry:
    """What the TSA log keeps of a refused request: no request bytes (they may be anything),
    the nonce only when it is a short one, and why."""
    return TimestampLogEntry(time=now, tsa=authority, status=REJECTED, hash_algorithm=None,
                             imprint=None, serial=None, nonce=_short_nonce(request),
                             fail_info=refusal.fail_info)


def _short_nonce(request: tsp.TimeStampReq | None) -> int | None:
    """The nonce of a refused request, when it is one the log may hold (a bounded one)."""
    if request is None:
        return None
    nonce = request["nonce"].native
    return nonce if nonce is not None and abs(nonce).bit_length() <= MAX_NONCE_BITS else None


def granted_entry(authority: str, now: datetime, request: tsp.TimeStampReq,
                  response: tsp.TimeStampResp) -> TimestampLogEntry:
    """What the TSA log keeps of a request it answered with a token: the imprint (its length
    checked by :func:`refusal_of`), the token's serial and genTime, the nonce."""
    imprint = request["message_imprint"]
    nonce = request["nonce"].native
    status = response["status"]["status"].native
    serial = None
    if status == GRANTED:
        info = response["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
        serial = info["serial_number"].native
        now = info["gen_time"].native
    return TimestampLogEntry(
        time=now, tsa=authority, status=status,
        hash_algorithm=imprint["hash_algorithm"]["algorithm"].native,
        imprint=imprint["hashed_message"].native, serial=serial, nonce=nonce)
