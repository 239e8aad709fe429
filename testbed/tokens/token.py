"""A subscriber's signing token: a SoftHSM2 token holding one non-extractable key pair.

Decree 68/2024 requires the subscriber's private key to be created and kept on the secure
device. :meth:`SubscriberToken.create` therefore generates the key pair *on* the token
(CKA_TOKEN, CKA_SENSITIVE, not CKA_EXTRACTABLE, so NEVER_EXTRACTABLE and LOCAL read back true);
only the public key leaves it, as a SubjectPublicKeyInfo for the CA. The certificate the CA
issues is stored back beside the key, and the CA certificates of its chain under their own
labels, the way a USB token arrives from a Vietnamese CA.

Object naming, fixed so third-party programs find the key without hints: the private key,
public key and subscriber certificate all carry CKA_LABEL = the token label and CKA_ID = the
RFC 5280 key identifier of the public key (SHA-1 of the subjectPublicKey bits), which is also
what a CA normally writes into subjectKeyIdentifier. CA certificates carry their subject CN as
label and their own key identifier as ID.

PIN handling: the user PIN given to :meth:`create`/:meth:`open` is kept in memory only (never
in ``repr``, logs or files) so tests and the testbed can sign without repeating it; every method
that logs in also accepts an explicit PIN. Logins go through :mod:`.cryptoki` so that a failed
login does not leak a session (see there), and through the lockout module, so wrong PINs count
towards the lock exactly as they do for third-party programs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, get_args

import pkcs11
from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pkcs11.constants import Attribute, CertificateType, MechanismFlag, ObjectClass
from pkcs11.mechanisms import KeyType, Mechanism
from pkcs11.types import PrivateKey, PublicKey, Session, Token
from pkcs11.util.ec import encode_named_curve_parameters

from bilingual import say

from ..errors import TokenError
from .cryptoki import (
    CKR_OK,
    CKR_USER_ALREADY_LOGGED_IN,
    CKU_SO,
    CKU_USER,
    return_value_name,
)
from .lockout import LockoutState
from .softhsm import SoftHsm

SubscriberKeyType = Literal["rsa2048", "rsa3072", "p256"]
"""Key types a subscriber token can hold."""
KEY_TYPES: tuple[str, ...] = get_args(SubscriberKeyType)

_RSA_BITS = {"rsa2048": 2048, "rsa3072": 3072}
_P256 = "secp256r1"
_SIGN_ONLY = MechanismFlag.SIGN | MechanismFlag.VERIFY


class TokenState(StrEnum):
    """What the holder experiences when using the token."""

    NORMAL = "normal"
    LOCKED = "locked"  # user PIN blocked after too many wrong tries; the SO can restore it
    LOST = "lost"  # the holder no longer has the token; every session is refused


class PinIncorrectError(TokenError):
    """The user PIN was wrong (CKR_PIN_INCORRECT); the attempt counts towards the lock."""


class PinLockedError(TokenError):
    """The user PIN is locked (CKR_PIN_LOCKED); only the SO can restore the token."""


class TokenLostError(TokenError):
    """The token is marked lost (CKR_TOKEN_NOT_PRESENT)."""


@dataclass
class SubscriberToken:
    """One subscriber's token in a testbed's SoftHSM; create with :meth:`create` or :meth:`open`."""

    softhsm: SoftHsm
    label: str
    """Token label; also CKA_LABEL of the key pair and the subscriber certificate."""
    serial: str
    """SoftHSM's serial number for the token (keys the lockout state)."""
    key_type: SubscriberKeyType
    key_id: bytes
    """CKA_ID shared by the private key, public key and subscriber certificate."""
    _public_key_der: bytes = field(repr=False)
    _user_pin: str | None = field(default=None, repr=False)

    # ---- life cycle --------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        softhsm: SoftHsm,
        *,
        label: str,
        key_type: SubscriberKeyType,
        user_pin: str,
        so_pin: str,
        max_pin_tries: int | None = None,
    ) -> SubscriberToken:
        """Initialise a new token and generate its key pair on it."""
        if key_type not in KEY_TYPES:
            allowed = ", ".join(KEY_TYPES)
            raise TokenError(say(
                f"token {label!r}: không biết loại khóa {key_type!r} (dùng một trong {allowed})",
                f"token {label!r}: unknown key type {key_type!r} (use one of {allowed})",
            ))
        serial = softhsm.init_token(label, so_pin=so_pin, user_pin=user_pin)
        if max_pin_tries is not None:
            softhsm.lockout.update(serial, max_tries=max_pin_tries)
        token = cls(softhsm, label, serial, key_type, b"", b"", user_pin)
        with token.session(rw=True) as session:
            try:
                public, private = _generate_key_pair(session, key_type, label)
                public_key = _public_key(public, key_type)
                token._public_key_der = _subject_public_key_info(public_key)
                token.key_id = x509.SubjectKeyIdentifier.from_public_key(public_key).digest
                public[Attribute.ID] = token.key_id
                private[Attribute.ID] = token.key_id
            except pkcs11.PKCS11Error as err:
                raise TokenError(say(
                    f"token {label!r}: sinh khóa {key_type} thất bại: {err!r}",
                    f"token {label!r}: generating a {key_type} key failed: {err!r}",
                )) from err
        return token

    @classmethod
    def open(cls, softhsm: SoftHsm, label: str, *, user_pin: str | None = None) -> SubscriberToken:
        """An existing subscriber token, found by label (its public key is read without login)."""
        pkcs11_token = softhsm.find_token(label)
        serial = pkcs11_token.serial.decode("ascii", "replace").strip()
        try:
            with pkcs11_token.open() as session:
                keys = list(
                    session.get_objects(
                        {Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.LABEL: label}
                    )
                )
                if len(keys) != 1:
                    raise TokenError(say(
                        f"token {label!r}: cần đúng một khóa công khai mang nhãn {label!r}, "
                        f"lại thấy {len(keys)}",
                        f"token {label!r}: expected one public key labelled {label!r}, "
                        f"found {len(keys)}",
                    ))
                public = keys[0]
                key_type = _key_type_of(public, label)
                return cls(
                    softhsm,
                    label,
                    serial,
                    key_type,
                    public[Attribute.ID],
                    _subject_public_key_info(_public_key(public, key_type)),
                    user_pin,
                )
        except pkcs11.TokenNotPresent as err:
            raise TokenLostError(say(f"token {label!r}: token đã bị mất (CKR_TOKEN_NOT_PRESENT)",
                                     f"token {label!r}: token is lost (CKR_TOKEN_NOT_PRESENT)")) \
                from err

    def delete(self) -> None:
        """Remove the token and everything on it from the testbed."""
        self.softhsm.delete_token(self.serial)

    # ---- sessions ----------------------------------------------------------------------------

    def _pkcs11_token(self) -> Token:
        return self.softhsm.find_token(self.label)

    @contextmanager
    def session(self, user_pin: str | None = None, *, rw: bool = False) -> Iterator[Session]:
        """A python-pkcs11 session logged in as the user; closed (and logged out) on exit."""
        pin = user_pin if user_pin is not None else self._user_pin
        if pin is None:
            raise TokenError(say(f"token {self.label!r}: chưa có mã PIN người dùng",
                                 f"token {self.label!r}: no user PIN given"))
        with self._open(rw=rw) as session:
            self._login(session, CKU_USER, pin)
            yield session

    @contextmanager
    def _open(self, *, rw: bool) -> Iterator[Session]:
        try:
            session = self._pkcs11_token().open(rw=rw)
        except pkcs11.TokenNotPresent as err:
            raise TokenLostError(say(
                f"token {self.label!r}: token đã bị mất (CKR_TOKEN_NOT_PRESENT)",
                f"token {self.label!r}: token is lost (CKR_TOKEN_NOT_PRESENT)",
            )) from err
        try:
            yield session
        finally:
            session.close()  # closing the last session logs out (PKCS#11 C_CloseSession)

    def _login(self, session: Session, user_type: int, pin: str) -> None:
        rv = self.softhsm.cryptoki().login(session.handle, user_type, pin)
        if rv in (CKR_OK, CKR_USER_ALREADY_LOGGED_IN):
            return
        who = "SO" if user_type == CKU_SO else "user"
        raise self._login_error(rv, who)

    def _login_error(self, rv: int, who: str) -> TokenError:
        name = return_value_name(rv)
        pin = "mã PIN SO" if who == "SO" else "mã PIN người dùng"
        if name == "CKR_PIN_INCORRECT":
            left = self.lockout_state().tries_left
            extra = (f", còn {left} lần thử", f", {left} tries left") if who == "user" \
                else ("", "")
            return PinIncorrectError(say(
                f"token {self.label!r}: sai {pin} ({name}){extra[0]}",
                f"token {self.label!r}: wrong {who} PIN ({name}){extra[1]}"))
        if name == "CKR_PIN_LOCKED":
            return PinLockedError(say(
                f"token {self.label!r}: {pin} đã bị khóa ({name}); SO phải mở khóa",
                f"token {self.label!r}: {who} PIN is locked ({name}); the SO must restore it",
            ))
        if name == "CKR_TOKEN_NOT_PRESENT":
            return TokenLostError(say(f"token {self.label!r}: token đã bị mất ({name})",
                                      f"token {self.label!r}: token is lost ({name})"))
        return TokenError(say(f"token {self.label!r}: đăng nhập bằng {pin} thất bại ({name})",
                              f"token {self.label!r}: {who} login failed ({name})"))

    # ---- keys and certificates ---------------------------------------------------------------

    def public_key_der(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo (what the CA certifies)."""
        return self._public_key_der

    def public_key_pem(self) -> str:
        """The public key as PEM SubjectPublicKeyInfo (``-----BEGIN PUBLIC KEY-----``)."""
        key = serialization.load_der_public_key(self._public_key_der)
        return key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def store_certificate(
        self, cert_der: bytes, chain: Sequence[bytes] = (), *, user_pin: str | None = None
    ) -> None:
        """Write the subscriber certificate (replacing any earlier one) and its CA certificates.

        The certificate must certify this token's key. CA certificates already on the token
        (same DER) are not duplicated.
        """
        certificate = _load_certificate(cert_der, self.label)
        spki = certificate.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if spki != self._public_key_der:
            serial = f"{certificate.serial_number:x}"
            raise TokenError(say(
                f"token {self.label!r}: chứng thư chữ ký số {serial} không chứng nhận khóa của "
                "token này",
                f"token {self.label!r}: certificate {serial} does not certify this token's key",
            ))
        ca_certificates = [_load_certificate(der, self.label) for der in chain]
        with self.session(user_pin, rw=True) as session:
            earlier = list(
                session.get_objects(
                    {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: self.key_id}
                )
            )
            for old in earlier:
                old.destroy()
            session.create_object(_certificate_template(certificate, self.label, self.key_id))
            present = {
                obj[Attribute.VALUE]
                for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
            }
            for ca in ca_certificates:
                der = ca.public_bytes(serialization.Encoding.DER)
                if der not in present:
                    session.create_object(_certificate_template(ca, _ca_label(ca), _key_id(ca)))
                    present.add(der)

    def certificate_der(self, *, user_pin: str | None = None) -> bytes | None:
        """The stored subscriber certificate, or None before :meth:`store_certificate`."""
        with self.session(user_pin) as session:
            for obj in session.get_objects(
                {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.ID: self.key_id}
            ):
                return bytes(obj[Attribute.VALUE])
        return None

    def sign(
        self, data: bytes, mechanism: Mechanism | None = None, *, user_pin: str | None = None
    ) -> bytes:
        """Sign with the token's private key (a helper for tests and the reference signer).

        Defaults: RSA keys use CKM_SHA256_RSA_PKCS over ``data``; P-256 keys hash ``data`` with
        SHA-256 here and use raw CKM_ECDSA (SoftHSM has no CKM_ECDSA_SHA256), returning r||s.
        An explicit ``mechanism`` is passed through with ``data`` unchanged.
        """
        if mechanism is None:
            if self.key_type == "p256":
                mechanism, data = Mechanism.ECDSA, hashlib.sha256(data).digest()
            else:
                mechanism = Mechanism.SHA256_RSA_PKCS
        with self.session(user_pin) as session:
            key = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, id=self.key_id, label=self.label
            )
            try:
                return bytes(key.sign(data, mechanism=mechanism))
            except pkcs11.PKCS11Error as err:
                raise TokenError(say(
                    f"token {self.label!r}: ký bằng {mechanism!r} thất bại: {err!r}",
                    f"token {self.label!r}: signing with {mechanism!r} failed: {err!r}",
                )) from err

    # ---- PINs and states ---------------------------------------------------------------------

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """The holder changes the user PIN (a wrong old PIN counts towards the lock)."""
        with self._open(rw=True) as session:
            try:
                session.set_pin(old_pin, new_pin)
            except pkcs11.PinIncorrect as err:
                raise self._login_error(0xA0, "user") from err
            except pkcs11.PinLocked as err:
                raise self._login_error(0xA4, "user") from err
            except pkcs11.PKCS11Error as err:
                raise TokenError(say(
                    f"token {self.label!r}: đổi mã PIN người dùng thất bại: {err!r}",
                    f"token {self.label!r}: changing the user PIN failed: {err!r}",
                )) from err
        if self._user_pin is not None:
            self._user_pin = new_pin

    def lockout_state(self) -> LockoutState:
        """The wrong-PIN counter, limit and lost flag the lockout module enforces."""
        return self.softhsm.lockout.read(self.serial)

    def lock_state(self) -> TokenState:
        """NORMAL, LOCKED (user PIN blocked) or LOST."""
        state = self.lockout_state()
        if state.lost:
            return TokenState.LOST
        return TokenState.LOCKED if state.locked else TokenState.NORMAL

    def mark_lost(self) -> None:
        """The holder lost the token: from now on every program is refused a session on it."""
        self.softhsm.lockout.update(self.serial, lost=True)

    def restore(self, so_pin: str, new_user_pin: str) -> None:
        """The SO sets a new user PIN, which unlocks a locked token (Decree 68 Art. 22)."""
        if self.lock_state() is TokenState.LOST:
            raise TokenLostError(say(
                f"token {self.label!r}: token đã mất thì không mở khóa được",
                f"token {self.label!r}: a lost token cannot be restored"))
        with self._open(rw=True) as session:
            self._login(session, CKU_SO, so_pin)
            try:
                session.init_pin(new_user_pin)
            except pkcs11.PKCS11Error as err:
                raise TokenError(say(
                    f"token {self.label!r}: SO không đặt được mã PIN người dùng mới: {err!r}",
                    f"token {self.label!r}: SO could not set a new user PIN: {err!r}",
                )) from err
        self._user_pin = new_user_pin


def _generate_key_pair(session: Session, key_type: SubscriberKeyType, label: str
                       ) -> tuple[PublicKey, PrivateKey]:
    """(public, private) key objects of a new key pair on the token: the private key is
    sensitive and never extractable, and both may only sign and verify."""
    private_template = {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
    }
    public_template = {Attribute.TOKEN: True, Attribute.PRIVATE: False}
    if key_type == "p256":
        parameters = session.create_domain_parameters(
            KeyType.EC,
            {Attribute.EC_PARAMS: encode_named_curve_parameters(_P256)},
            local=True,
        )
        return parameters.generate_keypair(
            store=True,
            label=label,
            capabilities=_SIGN_ONLY,
            public_template=public_template,
            private_template=private_template,
        )
    return session.generate_keypair(
        KeyType.RSA,
        _RSA_BITS[key_type],
        store=True,
        label=label,
        capabilities=_SIGN_ONLY,
        public_template=public_template,
        private_template=private_template,
    )


def _public_key(public: PublicKey, key_type: str) -> ec.EllipticCurvePublicKey | rsa.RSAPublicKey:
    """The cryptography public key of a python-pkcs11 public key object."""
    if key_type == "p256":
        point = core.OctetString.load(public[Attribute.EC_POINT]).native
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    modulus = int.from_bytes(public[Attribute.MODULUS], "big")
    exponent = int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big")
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


def _subject_public_key_info(key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_type_of(public: PublicKey, label: str) -> SubscriberKeyType:
    if public.key_type == KeyType.EC:
        return "p256"
    if public.key_type == KeyType.RSA:
        bits = len(public[Attribute.MODULUS]) * 8
        if bits == 2048:
            return "rsa2048"
        if bits == 3072:
            return "rsa3072"
    allowed = ", ".join(KEY_TYPES)
    raise TokenError(say(f"token {label!r}: khóa trên token không thuộc loại nào trong {allowed}",
                         f"token {label!r}: the key on the token is not one of {allowed}"))


def _load_certificate(der: bytes, label: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as err:
        raise TokenError(say(
            f"token {label!r}: không phải chứng thư chữ ký số X.509 dạng DER: {err}",
            f"token {label!r}: not a DER X.509 certificate: {err}")) from err


def _key_id(certificate: x509.Certificate) -> bytes:
    """The certificate's subjectKeyIdentifier, else the RFC 5280 method-1 identifier."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    except x509.ExtensionNotFound:
        return x509.SubjectKeyIdentifier.from_public_key(certificate.public_key()).digest


def _ca_label(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if names:
        return str(names[0].value)
    return certificate.subject.rfc4514_string()


def _certificate_template(
    certificate: x509.Certificate, label: str, key_id: bytes
) -> dict[Attribute, Any]:
    return {
        Attribute.CLASS: ObjectClass.CERTIFICATE,
        Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
        Attribute.TOKEN: True,
        Attribute.PRIVATE: False,
        Attribute.LABEL: label,
        Attribute.ID: key_id,
        Attribute.SUBJECT: certificate.subject.public_bytes(),
        Attribute.ISSUER: certificate.issuer.public_bytes(),
        Attribute.SERIAL_NUMBER: core.Integer(certificate.serial_number).dump(),
        Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
    }
