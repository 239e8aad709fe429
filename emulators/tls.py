"""The self-signed loopback certificate an emulated service serves https/wss with (``--tls``).

Local signing services ship a self-signed certificate for 127.0.0.1 (the browser is told to
trust it once); a profile pins it (``[adapter.service.tls] pinned_certificate``). The emulator
makes a new one at every start: a P-256 key that lives only in memory (it touches the disk for
the instant ``ssl`` needs to load it, in a 0600 file, then it is gone), a certificate for
``127.0.0.1`` and ``localhost``, valid from a day before the wall clock to 30 days after, and
TLS 1.2 as the lowest version served (TT15 Annex I Part 2).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from testbed import wall_clock

VALIDITY = timedelta(days=30)


@dataclass(frozen=True)
class LoopbackCertificate:
    """The certificate's PEM file and the server's SSL context."""

    pem_path: Path
    context: ssl.SSLContext


def loopback_certificate(pem_path: Path) -> LoopbackCertificate:
    """Generate the key and certificate; write the certificate (only) to ``pem_path``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                         "kyso emulated signing service (TEST)")])
    now = wall_clock()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                       critical=False)
        .sign(key, hashes.SHA256()))
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    pem_path.parent.mkdir(parents=True, exist_ok=True)
    pem_path.write_bytes(certificate_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with tempfile.TemporaryDirectory(prefix="kyso-emulate-tls-") as private:
        key_file = Path(private) / "key.pem"
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key_pem)
        context.load_cert_chain(pem_path, key_file)
    return LoopbackCertificate(pem_path=pem_path, context=context)


__all__ = ["LoopbackCertificate", "loopback_certificate"]
