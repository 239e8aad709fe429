"""The testbed's trust anchors in the forms products read, so no vendor writes that conversion.

A case hands the software under test its trust anchors as PEM files (one certificate each).
Real products want other forms: NSS-based ones (pdfsig, Firefox, LibreOffice) an NSS database,
Java ones a PKCS#12 trust store, Windows and .NET programs ``.cer``/``.p7b`` files imported into
a certificate store, OpenSSL-based ones a PEM bundle (``-CAfile``) or a hashed directory
(``-CApath``). :class:`TrustStores` writes each form from the same anchors:

* ``pem/trust-anchors.pem``: every anchor in one PEM file;
* ``capath/``: one PEM file per anchor and its subject-hash link (``openssl rehash``);
* ``der/NAME.der``: one DER file per anchor;
* ``nss/``: an NSS database (sql format: ``cert9.db``, ``key4.db``; empty password), built with
  ``certutil -N --empty-password`` and ``certutil -A -t C,C,C`` per anchor;
* ``pkcs12/trust-anchors.p12`` and ``pkcs12/password.txt`` (0600): certificates only, each
  marked trusted for Java (cryptography's ``serialize_java_truststore``);
* ``windows/NAME.cer`` (DER), ``windows/trust-anchors.p7b`` (PKCS#7, DER) and
  ``windows/IMPORT-WINDOWS.txt``: the commands that import them and remove them again.

Each form is built only when first asked for, into a temporary directory renamed into place, and
kept per set of anchors (:func:`trust_stores_for` caches by the anchors' content in a private
per-process directory). The software under test runs as kyso's own user and could change a form
it was handed (NSS opens its database read-write when asked to): every file of a form is hashed
when built and checked again before each hand-out; a changed form is rebuilt.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from enum import StrEnum
from multiprocessing.util import Finalize
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    pkcs7,
    pkcs12,
)

from bilingual import say

from .errors import InvalidInputError, TestbedError

NSS_TRUST = "C,C,C"
"""NSS trust flags given to every anchor: a trusted CA for TLS, e-mail (S/MIME) and object
signing; pdfsig checks a PDF signer's chain against the e-mail signing usage."""
TOOL_TIMEOUT_SECONDS = 60.0


class TrustForm(StrEnum):
    """A form of the trust anchors; its value is the form's directory name."""

    PEM_BUNDLE = "pem"
    CAPATH = "capath"
    DER = "der"
    NSS = "nss"
    PKCS12 = "pkcs12"
    WINDOWS = "windows"


class TrustStoreError(TestbedError):
    """A form could not be built (a missing tool such as ``certutil``, a failed command)."""


class TrustStores:
    """The forms of one set of trust anchors, written lazily under ``directory``."""

    def __init__(self, anchors: Sequence[Path], directory: Path) -> None:
        if not anchors:
            raise InvalidInputError(say(
                "trust anchors: chưa có chứng thư chữ ký số gốc tin cậy nào",
                "trust anchors: none given"))
        self.anchors = [Path(path).resolve() for path in anchors]
        self.directory = Path(directory)
        self._certificates = [_load_certificate(path) for path in self.anchors]
        self._names = _unique_names(self.anchors)
        self._built: dict[TrustForm, str] = {}
        """Form -> digest of its files when built (checked before each hand-out)."""

    # ---- the forms ------------------------------------------------------------------------------
    def pem_bundle(self) -> Path:
        """One PEM file holding every anchor (OpenSSL ``-CAfile``, curl ``--cacert``)."""
        return self.form(TrustForm.PEM_BUNDLE) / "trust-anchors.pem"

    def capath(self) -> Path:
        """A directory of PEM files with OpenSSL subject-hash links (``-CApath``)."""
        return self.form(TrustForm.CAPATH)

    def der_dir(self) -> Path:
        """A directory holding one DER file (``<name>.der``) per anchor."""
        return self.form(TrustForm.DER)

    def nss_db(self) -> Path:
        """An NSS database directory (``sql:`` format, empty password), every anchor trusted
        ``C,C,C``; give it as ``sql:PATH`` (pdfsig ``-nssdir``, ``certutil -d``)."""
        return self.form(TrustForm.NSS)

    def pkcs12(self) -> Path:
        """A PKCS#12 trust store: certificates only, each a Java ``trustedCertEntry``."""
        return self.form(TrustForm.PKCS12) / "trust-anchors.p12"

    def pkcs12_password_file(self) -> Path:
        """The file (mode 0600) holding the PKCS#12 store's password, one line."""
        return self.form(TrustForm.PKCS12) / "password.txt"

    def pkcs12_password(self) -> str:
        return self.pkcs12_password_file().read_text(encoding="utf-8").strip()

    def p7b(self) -> Path:
        """Every anchor in one PKCS#7 certificate bundle (DER), for Windows programs."""
        return self.form(TrustForm.WINDOWS) / "trust-anchors.p7b"

    def windows_dir(self) -> Path:
        """``.cer`` files (DER), the ``.p7b`` and ``IMPORT-WINDOWS.txt`` (import and remove)."""
        return self.form(TrustForm.WINDOWS)

    def all_forms(self) -> dict[TrustForm, Path]:
        return {form: self.form(form) for form in TrustForm}

    # ---- building -------------------------------------------------------------------------------
    def form(self, form: TrustForm) -> Path:
        """The directory of ``form``, built now if missing or changed since it was built."""
        target = self.directory / form.value
        built = self._built.get(form)
        if built is not None and built == _tree_digest(target):
            return target
        if target.exists():
            shutil.rmtree(target)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{form.value}-", dir=self.directory))
        try:
            _BUILDERS[form](self, scratch)
            scratch.rename(target)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        self._built[form] = _tree_digest(target)
        return target

    def _build_pem(self, directory: Path) -> None:
        (directory / "trust-anchors.pem").write_bytes(b"".join(
            _pem(certificate) for certificate in self._certificates))

    def _build_capath(self, directory: Path) -> None:
        for name, certificate in zip(self._names, self._certificates, strict=True):
            (directory / f"{name}.pem").write_bytes(_pem(certificate))
        _run(["openssl", "rehash", str(directory)], "openssl (package openssl)")

    def _build_der(self, directory: Path) -> None:
        for name, certificate in zip(self._names, self._certificates, strict=True):
            (directory / f"{name}.der").write_bytes(certificate.public_bytes(Encoding.DER))

    def _build_nss(self, directory: Path) -> None:
        database = f"sql:{directory}"
        tool = "certutil (Debian package libnss3-tools)"
        _run(["certutil", "-N", "-d", database, "--empty-password"], tool)
        for name, certificate in zip(self._names, self._certificates, strict=True):
            source = directory / f".{name}.der"
            source.write_bytes(certificate.public_bytes(Encoding.DER))
            _run(["certutil", "-A", "-d", database, "-n", name, "-t", NSS_TRUST, "-i",
                  str(source)], tool)
            source.unlink()
        # pkcs11.txt only records the directory the database was built in; without it NSS
        # opens the database wherever it is moved (a cache rename, a kit on another machine)
        (directory / "pkcs11.txt").unlink(missing_ok=True)

    def _build_pkcs12(self, directory: Path) -> None:
        password = secrets.token_urlsafe(18)
        entries = [pkcs12.PKCS12Certificate(certificate, name.encode("utf-8"))
                   for name, certificate in zip(self._names, self._certificates, strict=True)]
        store = pkcs12.serialize_java_truststore(
            entries, BestAvailableEncryption(password.encode("ascii")))
        (directory / "trust-anchors.p12").write_bytes(store)
        descriptor = os.open(directory / "password.txt", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(password + "\n")

    def _build_windows(self, directory: Path) -> None:
        for name, certificate in zip(self._names, self._certificates, strict=True):
            (directory / f"{name}.cer").write_bytes(certificate.public_bytes(Encoding.DER))
        (directory / "trust-anchors.p7b").write_bytes(
            pkcs7.serialize_certificates(self._certificates, Encoding.DER))
        (directory / "IMPORT-WINDOWS.txt").write_text(
            windows_instructions(self._names, self._certificates), encoding="utf-8-sig",
            newline="\r\n")


_BUILDERS: dict[TrustForm, Callable[[TrustStores, Path], None]] = {
    TrustForm.PEM_BUNDLE: TrustStores._build_pem,
    TrustForm.CAPATH: TrustStores._build_capath,
    TrustForm.DER: TrustStores._build_der,
    TrustForm.NSS: TrustStores._build_nss,
    TrustForm.PKCS12: TrustStores._build_pkcs12,
    TrustForm.WINDOWS: TrustStores._build_windows,
}


def windows_instructions(names: Sequence[str], certificates: Sequence[x509.Certificate]) -> str:
    """The commands that import the anchors into the current user's Root store and remove
    them again (cmd's ``certutil`` and PowerShell), each anchor named with its serial number and
    SHA-1 thumbprint (the thumbprint is how both remove commands name a certificate)."""
    lines = [
        "Chứng thư gốc tin cậy cho phần mềm Windows: nhập vào kho Root của người dùng bằng "
        "các lệnh dưới đây, và gỡ bỏ sau khi kiểm thử.",
        "Trust anchors for Windows programs (.NET, CryptoAPI): import them into the user's "
        "Root store with the commands below, and remove them after the test.",
        "",
        "Import (current user; Windows asks to confirm each root). Run in this folder:",
        *[f"  certutil -user -addstore Root {name}.cer" for name in names],
        "  or, in PowerShell, all at once:",
        "  Import-Certificate -FilePath .\\trust-anchors.p7b "
        "-CertStoreLocation Cert:\\CurrentUser\\Root",
        "For every user of the machine (as administrator): certutil -addstore Root NAME.cer",
        "",
        "Remove them after the test:",
    ]
    for name, certificate in zip(names, certificates, strict=True):
        serial = f"{certificate.serial_number:x}"
        serial = serial.zfill(len(serial) + len(serial) % 2)
        thumbprint = certificate.fingerprint(_sha1()).hex().upper()
        lines += [f"  {name}: serial {serial}, SHA-1 thumbprint {thumbprint}",
                  f"    certutil -user -delstore Root {thumbprint}",
                  f"    Remove-Item Cert:\\CurrentUser\\Root\\{thumbprint}"]
    return "\n".join(lines) + "\n"


FORMS_GUIDE = """\
Chứng thư gốc tin cậy của testbed, ở các dạng mà phần mềm đọc được / The testbed's trust
anchors in the forms products read. Dùng dạng hợp với phần mềm / Use the form your product reads:

pem/trust-anchors.pem  OpenSSL-based (openssl, curl, Python, Node.js, PHP, Go): one PEM bundle,
                       e.g. openssl verify -CAfile pem/trust-anchors.pem, curl --cacert ...
capath/                OpenSSL -CApath: one PEM file per anchor and its subject-hash link
der/                   one DER file per anchor, for tools that import certificates one by one
nss/                   NSS-based (pdfsig, Firefox, Thunderbird, LibreOffice on Linux/macOS):
                       an NSS database (sql format, empty password, anchors trusted C,C,C):
                       pdfsig -nssdir sql:nss FILE.pdf; certutil -L -d sql:nss lists it;
                       LibreOffice: Tools > Options > Security > Certificate Path
pkcs12/                Java: trust-anchors.p12, a PKCS#12 trust store (trustedCertEntry), its
                       password in password.txt: -Djavax.net.ssl.trustStore=.../trust-anchors.p12
                       -Djavax.net.ssl.trustStoreType=PKCS12 -Djavax.net.ssl.trustStorePassword=...
                       (keytool -list -keystore trust-anchors.p12 shows the entries)
windows/               Windows and .NET programs (CryptoAPI; LibreOffice on Windows): NAME.cer
                       files and trust-anchors.p7b to import into the user's Root store;
                       IMPORT-WINDOWS.txt has the commands to import and to remove them.
                       Adobe Acrobat/Reader keeps its own list: import the .p7b under
                       Preferences > Signatures > Identities & Trusted Certificates
"""
"""Which form to give which kind of product (the kit's ``trust-stores/README.txt``)."""


# ---- the per-process cache ----------------------------------------------------------------------
_CACHE: dict[str, TrustStores] = {}
_CACHE_ROOT: dict[int, Path] = {}
"""Process ID -> its cache directory (a forked worker starts its own: no two processes build
into one directory)."""


def trust_stores_for(anchors: Sequence[Path]) -> TrustStores:
    """The forms of ``anchors``, shared by every caller of this process that hands out the
    same anchors (same content, any order); kept in a private directory removed at exit."""
    digest = hashlib.sha256(b"".join(sorted(
        hashlib.sha256(Path(path).read_bytes()).digest() for path in anchors))).hexdigest()
    if os.getpid() not in _CACHE_ROOT:
        _CACHE.clear()
        root = Path(tempfile.mkdtemp(prefix="kyso-trust-"))
        atexit.register(_remove, root, os.getpid())
        # a worker process (``kyso conform --jobs``) ends by os._exit, after running
        # multiprocessing's finalizers, not atexit's
        Finalize(None, _remove, args=(root, os.getpid()), exitpriority=0)
        _CACHE_ROOT[os.getpid()] = root
    stores = _CACHE.get(digest)
    if stores is None:
        stores = _CACHE[digest] = TrustStores(anchors, _CACHE_ROOT[os.getpid()] / digest[:16])
    return stores


def _remove(root: Path, owner: int) -> None:
    """Remove a cache directory, only in the process that made it (not in a forked child)."""
    if os.getpid() == owner:
        shutil.rmtree(root, ignore_errors=True)


# ---- helpers ------------------------------------------------------------------------------------
def _load_certificate(path: Path) -> x509.Certificate:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        detail = error.strerror or error
        raise InvalidInputError(say(f"{path}: không đọc được ({detail})",
                                    f"{path}: cannot read ({detail})")) from None
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise InvalidInputError(say(f"{path}: không phải chứng thư chữ ký số X.509 ({error})",
                                    f"{path}: not an X.509 certificate ({error})")) from None


def _unique_names(paths: Sequence[Path]) -> list[str]:
    """A file-name-safe, unique name per anchor, from its file name (``root-cv``)."""
    names: list[str] = []
    for index, path in enumerate(paths):
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem).strip("._") or "anchor"
        name = base if base not in names else f"{base}-{index + 1}"
        names.append(name)
    return names


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.PEM)


def _sha1() -> hashes.HashAlgorithm:
    return hashes.SHA1()  # noqa: S303 (Windows names a certificate by its SHA-1 thumbprint)


def _run(command: list[str], tool: str) -> None:
    if shutil.which(command[0]) is None:
        raise TrustStoreError(say(f"{command[0]} chưa được cài: hãy cài {tool}",
                                  f"{command[0]} is not installed: install {tool}"))
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False,
                                timeout=TOOL_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        tool_run, seconds = " ".join(command[:2]), f"{TOOL_TIMEOUT_SECONDS:.0f}"
        raise TrustStoreError(say(f"{tool_run}: không trả lời trong {seconds} s",
                                  f"{tool_run}: no answer in {seconds} s")) from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        tool_run, last = " ".join(command[:2]), f": {detail[-1]}" if detail else ""
        raise TrustStoreError(say(f"{tool_run} thất bại (mã thoát {result.returncode}){last}",
                                  f"{tool_run} failed (exit code {result.returncode}){last}"))


def _tree_digest(directory: Path) -> str | None:
    """A digest of every file (name, link target, content) under ``directory``; None if absent."""
    if not directory.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        digest.update(str(path.relative_to(directory)).encode() + b"\0")
        if path.is_symlink():
            digest.update(os.readlink(path).encode() + b"\0")
        elif path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


__all__ = ["FORMS_GUIDE", "NSS_TRUST", "TrustForm", "TrustStoreError", "TrustStores",
           "trust_stores_for", "windows_instructions"]
