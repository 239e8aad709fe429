"""Subscribers' tokens joined to the certificate lifecycle (Decree 68 Art. 20–22).

The token layer (:mod:`testbed.tokens`) knows PKCS#11 and nothing of CAs; the CA layer
(:mod:`testbed.ca`) knows certificates and nothing of tokens. This module is where a token's
story meets its certificate's:

* hand-over: the key pair is generated on a new token, the issuing CA certifies its public key
  (the private key never leaves the token), and the certificate and CA chain go onto the token;
* lost (Art. 20 d): the token refuses every program, and the certificate is revoked with reason
  keyCompromise, the report date as invalidity date;
* locked: wrong PINs entered through the PKCS#11 module until it locks, exactly as a person would;
* restored (Art. 22): the SO sets a new user PIN;
* returned (Art. 20 a–c): only once the certificate is revoked or expired; the token is wiped;
* re-issued (after revocation): a new token, a new key, a new certificate.

PINs live only in 0600 files under ``tokens/`` and in memory; never in the registry or logs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bilingual import say

from .ca.lifecycle import Lifecycle, check_subscriber_id
from .ca.revocation_reasons import RevocationReason
from .errors import InvalidInputError, InvalidStateError, TokenError
from .tokens import SoftHsm, SubscriberToken, TokenAccess
from .tokens.access import write_pin_file
from .tokens.token import KEY_TYPES, PinIncorrectError, PinLockedError
from .world import (
    CertificateRecord,
    TokenRecord,
    TokenStatus,
    WorldState,
)

TOKENS_DIR = "tokens"
DEFAULT_MAX_PIN_TRIES = 5


@dataclass(frozen=True)
class TokenCondition:
    """A token as its holder finds it (:meth:`TokenLifecycle.condition`)."""

    status: str
    """``in-use``, ``locked`` (user PIN blocked; the SO restores it), ``lost`` or ``returned``."""
    max_pin_tries: int | None = None
    """The token's own limit of consecutive wrong user PINs (None: the token is gone)."""
    tries_left: int | None = None
    """Wrong user PINs still allowed before it locks."""


def _new_pin() -> str:
    return f"{secrets.randbelow(10**8):08d}"


def _check_token_options(key_type: str, max_pin_tries: int, user_pin: str | None,
                         so_pin: str | None) -> None:
    """A one-line error for a key type, PIN-try limit or PIN a new token cannot have."""
    if key_type not in KEY_TYPES:
        allowed = ", ".join(KEY_TYPES)
        raise InvalidInputError(say(f"--key: '{key_type}' không phải một trong {allowed}",
                                    f"--key: '{key_type}' is not one of {allowed}"))
    if max_pin_tries < 1:
        raise InvalidInputError(say("max PIN tries: số lần thử mã PIN tối đa phải ít nhất là 1",
                                    "max PIN tries: must be at least 1"))
    for pin, name in ((user_pin, "user PIN"), (so_pin, "SO PIN")):
        if pin is not None and not 4 <= len(pin) <= 64:
            raise InvalidInputError(say(f"{name}: phải dài từ 4 đến 64 ký tự",
                                        f"{name}: must be 4 to 64 characters"))


def softhsm_directory(testbed_directory: Path) -> Path:
    """Where a testbed keeps its SoftHSM installation (configuration, token store, lockout
    state): everything of its tokens but the PIN and access files."""
    return testbed_directory / TOKENS_DIR / "hsm"


class TokenLifecycle:
    """Token operations on one testbed directory."""

    def __init__(self, directory: Path, lifecycle: Lifecycle) -> None:
        self.directory = directory
        self.lifecycle = lifecycle
        self._softhsm: SoftHsm | None = None

    @property
    def softhsm(self) -> SoftHsm:
        """This testbed's own SoftHSM2 (its own softhsm2.conf: nothing global)."""
        if self._softhsm is None:
            self._softhsm = SoftHsm(softhsm_directory(self.directory))
        return self._softhsm

    def _path(self, relative: str) -> Path:
        return self.directory / relative

    def user_pin(self, label: str) -> str:
        record = self.lifecycle.read().token(label)
        return self._path(record.pin_file).read_text(encoding="utf-8")

    def pin_file(self, label: str) -> Path:
        return self._path(self.lifecycle.read().token(label).pin_file)

    def open(self, label: str) -> SubscriberToken:
        record = self.lifecycle.read().token(label)
        if record.status is TokenStatus.RETURNED:
            raise InvalidStateError(say(f"token '{label}' đã được trả lại và không còn nữa",
                                        f"token '{label}' was returned and no longer exists"))
        return SubscriberToken.open(self.softhsm, label, user_pin=self.user_pin(label))

    def access(self, label: str) -> TokenAccess:
        return TokenAccess.load(self._path(self.lifecycle.read().token(label).access_file))

    def condition(self, label: str) -> TokenCondition:
        """What the holder meets now. The registry says where the token is (in use, lost,
        returned); a token in use whose user PIN is blocked is *locked*, which only the
        lockout state knows, with the token's own PIN-try limit (``--max-pin-tries``)."""
        record = self.lifecycle.read().token(label)
        if record.status is TokenStatus.RETURNED:
            return TokenCondition(record.status.value)
        # read by serial, without a PKCS#11 session: a lost token refuses every session
        state = self.softhsm.lockout.read(self.access(label).token_serial)
        status = "locked" if record.status is TokenStatus.IN_USE and state.locked \
            else record.status.value
        return TokenCondition(status, state.max_tries, state.tries_left)

    # ---- hand-over ----------------------------------------------------------------------------
    def create(self, subscriber_id: str, *, key_type: str = "rsa2048",
               user_pin: str | None = None, so_pin: str | None = None,
               max_pin_tries: int = DEFAULT_MAX_PIN_TRIES, reissue: bool = False,
               **issue_options: Any) -> tuple[TokenRecord, CertificateRecord]:
        """A new token for ``subscriber_id`` with a key generated on it and its certificate.

        ``reissue=True`` is the re-issue after revocation (ND68 Art. 21): the subscriber exists
        and its current certificate is revoked.
        """
        check_subscriber_id(subscriber_id)
        _check_token_options(key_type, max_pin_tries, user_pin, so_pin)
        state = self.lifecycle.read()
        existing = state.subscribers.get(subscriber_id)
        if reissue and existing is None:
            state.subscriber(subscriber_id)  # raises the unknown-subscriber error
        in_use = [t.label for t in state.tokens.values()
                  if t.subscriber == subscriber_id and t.status is TokenStatus.IN_USE]
        if not reissue and in_use:
            raise InvalidStateError(say(
                f"thuê bao '{subscriber_id}' đang giữ token '{in_use[0]}' rồi",
                f"subscriber '{subscriber_id}' already holds token '{in_use[0]}'"))
        count = sum(1 for t in state.tokens.values() if t.subscriber == subscriber_id)
        label = subscriber_id if count == 0 else f"{subscriber_id}-{count + 1}"
        user_pin = user_pin or _new_pin()
        so_pin = so_pin or _new_pin()
        token = SubscriberToken.create(self.softhsm, label=label, key_type=key_type,
                                       user_pin=user_pin, so_pin=so_pin,
                                       max_pin_tries=max_pin_tries)
        try:
            if reissue:
                certificate = self.lifecycle.reissue(subscriber_id,
                                                     public_key_der=token.public_key_der())
            else:
                certificate = self.lifecycle.issue(subscriber_id,
                                                   public_key_der=token.public_key_der(),
                                                   **issue_options)
        except BaseException:
            token.delete()
            raise
        chain = self._chain_ders(certificate)
        token.store_certificate(self.lifecycle.certificate_der(certificate.label), chain)
        token_dir = self.directory / TOKENS_DIR
        pin_file = write_pin_file(token_dir / f"{label}.pin", user_pin)
        so_pin_file = write_pin_file(token_dir / f"{label}.so-pin", so_pin)
        access_file = TokenAccess.for_token(token, pin_file=pin_file).write(
            token_dir / f"{label}.json")

        def record(state: WorldState) -> TokenRecord:
            entry = TokenRecord(
                label=label, subscriber=subscriber_id, certificate=certificate.label,
                key_type=key_type, handed_over_at=state.clock.clock().now(),
                access_file=str(access_file.relative_to(self.directory)),
                pin_file=str(pin_file.relative_to(self.directory)),
                so_pin_file=str(so_pin_file.relative_to(self.directory)))
            state.tokens[label] = entry
            return entry

        return self.lifecycle.transaction(record), certificate

    def _chain_ders(self, certificate: CertificateRecord) -> list[bytes]:
        state = self.lifecycle.read()
        chain: list[bytes] = []
        issuer = certificate.issuer
        while True:
            authority = state.authorities[issuer]
            chain.append(self.lifecycle.certificate_der(authority.certificate))
            if authority.parent is None:
                return chain
            issuer = authority.parent

    def holding(self, subscriber_id: str) -> TokenRecord | None:
        """The token the subscriber holds now, if any."""
        for record in self.lifecycle.read().tokens.values():
            if record.subscriber == subscriber_id and record.status is TokenStatus.IN_USE:
                return record
        return None

    def latest(self, subscriber_id: str) -> TokenRecord | None:
        """The subscriber's most recent token that still exists (in use, or lost: a lost token
        is still a token a program can be pointed at, and must refuse)."""
        candidates = [record for record in self.lifecycle.read().tokens.values()
                      if record.subscriber == subscriber_id
                      and record.status is not TokenStatus.RETURNED]
        return candidates[-1] if candidates else None  # the registry keeps hand-over order

    def install(self, certificate: CertificateRecord) -> TokenRecord:
        """Put a newly issued certificate for the same key (renewal, change of information)
        onto the subscriber's token, replacing the old one."""
        record = self.holding(certificate.holder)
        if record is None:
            raise InvalidStateError(say(f"thuê bao '{certificate.holder}' không giữ token nào",
                                        f"subscriber '{certificate.holder}' holds no token"))
        token = self.open(record.label)
        token.store_certificate(self.lifecycle.certificate_der(certificate.label),
                                self._chain_ders(certificate))

        def point(state: WorldState) -> TokenRecord:
            state.tokens[record.label].certificate = certificate.label
            return state.tokens[record.label]

        return self.lifecycle.transaction(point)

    def renew(self, subscriber_id: str, **options: Any) -> CertificateRecord:
        """Gia hạn for a token holder: new certificate, same key, written onto the token."""
        certificate = self.lifecycle.renew(subscriber_id, **options)
        self.install(certificate)
        return certificate

    def change_info(self, subscriber_id: str, **options: Any) -> CertificateRecord:
        """Change of information for a token holder: new certificate onto the same token."""
        certificate = self.lifecycle.change_info(subscriber_id, **options)
        self.install(certificate)
        return certificate

    # ---- the token's story --------------------------------------------------------------------
    def _in_use(self, label: str) -> TokenRecord:
        record = self.lifecycle.read().token(label)
        if record.status is not TokenStatus.IN_USE:
            status = {TokenStatus.LOST: "đã bị mất", TokenStatus.RETURNED: "đã được trả lại"}
            raise InvalidStateError(say(
                f"token '{label}' {status.get(record.status, record.status.value)}",
                f"token '{label}' is {record.status.value}"))
        return record

    def lose(self, label: str, *, reported_at: datetime | None = None) -> CertificateRecord:
        """Lost token: unusable from now on, certificate revoked (keyCompromise)."""
        record = self._in_use(label)
        now = self.lifecycle.read().clock.clock().now()
        reported = reported_at or now
        if reported > now:
            raise InvalidInputError(say(
                "reported date: ngày báo mất không được ở tương lai của testbed",
                "reported date: must not be in the testbed's future"))
        certificate = self.lifecycle.read().certificate(record.certificate)
        if certificate.revocation is not None:
            raise InvalidStateError(say(
                f"chứng thư chữ ký số '{certificate.label}' trên token '{label}' đã bị thu hồi rồi",
                f"certificate '{certificate.label}' on token '{label}' is already revoked"))
        SubscriberToken.open(self.softhsm, label).mark_lost()
        revoked = self.lifecycle.revoke(record.certificate,
                                        reason=RevocationReason.KEY_COMPROMISE,
                                        invalidity_date=reported)

        def mark(state: WorldState) -> None:
            state.tokens[label].status = TokenStatus.LOST
            state.tokens[label].reported_lost_at = reported

        self.lifecycle.transaction(mark)
        return revoked

    def lock(self, label: str) -> int:
        """Enter wrong PINs through the PKCS#11 module until the token locks; returns how many."""
        self._in_use(label)
        token = SubscriberToken.open(self.softhsm, label)
        right = self.user_pin(label)
        wrong = "0000" if right != "0000" else "1111"
        for attempt in range(1, 1000):
            try:
                with token.session(wrong):
                    pass
            except PinIncorrectError:
                continue
            except PinLockedError:
                return attempt - 1
        raise TokenError(say(f"token '{label}': không bị khóa sau 999 lần nhập sai mã PIN",
                             f"token '{label}': did not lock after 999 wrong PINs"))

    def restore(self, label: str, *, new_user_pin: str | None = None) -> None:
        """The authority restores a locked token: the SO sets a new user PIN (ND68 Art. 22)."""
        record = self._in_use(label)
        so_pin = self._path(record.so_pin_file).read_text(encoding="utf-8")
        new_pin = new_user_pin or _new_pin()
        SubscriberToken.open(self.softhsm, label).restore(so_pin, new_pin)
        write_pin_file(self._path(record.pin_file), new_pin)

    def change_pin(self, label: str, new_user_pin: str) -> None:
        """The holder changes the user PIN (knowing the current one)."""
        record = self._in_use(label)
        if not 4 <= len(new_user_pin) <= 64:
            raise InvalidInputError(say("new PIN: mã PIN mới phải dài từ 4 đến 64 ký tự",
                                        "new PIN: must be 4 to 64 characters"))
        SubscriberToken.open(self.softhsm, label).change_pin(self.user_pin(label), new_user_pin)
        write_pin_file(self._path(record.pin_file), new_user_pin)

    def give_back(self, label: str) -> None:
        """Return the token (ND68 Art. 20): allowed once its certificate is revoked or expired."""
        record = self._in_use(label)
        state = self.lifecycle.read()
        certificate = state.certificate(record.certificate)
        now = state.clock.clock().now()
        if certificate.revocation is None and certificate.not_after > now:
            raise InvalidStateError(say(
                f"token '{label}': chứng thư chữ ký số của nó vẫn còn hiệu lực; hãy thu hồi trước "
                "(ví dụ cessation_of_operation khi nghỉ hưu)",
                f"token '{label}': its certificate is still valid; revoke it first "
                "(e.g. cessation_of_operation on retirement)"))
        SubscriberToken.open(self.softhsm, label).delete()
        for name in (record.pin_file, record.so_pin_file):
            self._path(name).unlink(missing_ok=True)

        def mark(state: WorldState) -> None:
            state.tokens[label].status = TokenStatus.RETURNED
            state.tokens[label].returned_at = now

        self.lifecycle.transaction(mark)

    def delete(self, label: str) -> None:
        """Remove a token from the testbed entirely (its certificate stays in the registry)."""
        record = self.lifecycle.read().token(label)
        if record.status is not TokenStatus.RETURNED:
            SubscriberToken.open(self.softhsm, label).delete()
        for name in (record.pin_file, record.so_pin_file, record.access_file):
            self._path(name).unlink(missing_ok=True)

        def drop(state: WorldState) -> None:
            state.tokens.pop(label)

        self.lifecycle.transaction(drop)
