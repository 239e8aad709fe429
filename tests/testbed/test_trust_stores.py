"""The trust anchors in the forms products read, each checked by an independent client: NSS's
``certutil`` and poppler's ``pdfsig`` (NSS database), ``openssl`` (PEM bundle, CApath, DER,
PKCS#12, PKCS#7) and Java's ``keytool`` (PKCS#12 trust store); a form changed behind the
testbed's back is rebuilt; the cache shares forms per set of anchors."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import Encoding

from testbed.ca.key_types import KeyType
from testbed.ca.names import VietnameseName
from testbed.clock import wall_clock
from testbed.documents import administrative_document
from testbed.fixture_signing import sign_fixture
from testbed.session import Testbed
from testbed.trust_stores import TrustForm, TrustStores, trust_stores_for

ROOTS = ("root-cv", "root-neac")
pytestmark = pytest.mark.skipif(shutil.which("openssl") is None or shutil.which("certutil")
                                is None, reason="openssl and certutil (libnss3-tools) needed")


def _anchors(testbed: Testbed, labels: tuple[str, ...] = ROOTS) -> list[Path]:
    paths = testbed.trust_anchor_paths()
    return [paths[label] for label in labels]


def _der(path: Path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(Encoding.DER)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _pem_certificates(text: str) -> set[bytes]:
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", text, re.S)
    return {x509.load_pem_x509_certificate(block.encode()).public_bytes(Encoding.DER)
            for block in blocks}


@pytest.fixture(scope="module")
def stores(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> TrustStores:
    return TrustStores(_anchors(testbed), tmp_path_factory.mktemp("forms") / "trust")


def _nss_listing(database: Path) -> dict[str, str]:
    """Nickname -> trust flags, as ``certutil -L`` prints them."""
    result = _run("certutil", "-L", "-d", f"sql:{database}")
    assert result.returncode == 0, result.stderr
    rows = [line.rsplit(None, 1) for line in result.stdout.splitlines()[4:] if line.strip()]
    return {name.strip(): flags for name, flags in rows}


def test_the_nss_database_trusts_every_anchor(testbed: Testbed, stores: TrustStores) -> None:
    database = stores.nss_db()
    assert _nss_listing(database) == {"root-cv": "C,C,C", "root-neac": "C,C,C"}
    for label, anchor in zip(ROOTS, _anchors(testbed), strict=True):
        shown = _run("certutil", "-L", "-d", f"sql:{database}", "-n", label, "-a")
        assert _pem_certificates(shown.stdout) == {_der(anchor)}
    assert not (database / "pkcs11.txt").exists(), "no build path left in the database"


def test_a_changed_form_is_rebuilt_before_it_is_handed_out(stores: TrustStores) -> None:
    database = stores.nss_db()
    removed = _run("certutil", "-D", "-d", f"sql:{database}", "-n", "root-cv")
    assert removed.returncode == 0, removed.stderr
    assert set(_nss_listing(database)) == {"root-neac"}  # what a tampering SUT leaves
    assert set(_nss_listing(stores.nss_db())) == {"root-cv", "root-neac"}
    (stores.pem_bundle()).write_text("")
    assert stores.pem_bundle().read_text().count("BEGIN CERTIFICATE") == 2


def test_the_pkcs12_trust_store_yields_the_anchors(testbed: Testbed,
                                                   stores: TrustStores) -> None:
    store, password_file = stores.pkcs12(), stores.pkcs12_password_file()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    result = _run("openssl", "pkcs12", "-in", str(store), "-nokeys", "-passin",
                  f"file:{password_file}")
    assert result.returncode == 0, result.stderr
    assert _pem_certificates(result.stdout) == {_der(path) for path in _anchors(testbed)}
    wrong = _run("openssl", "pkcs12", "-in", str(store), "-nokeys", "-passin", "pass:wrong")
    assert wrong.returncode != 0, "the store is really protected by the password in the file"


@pytest.mark.skipif(shutil.which("keytool") is None, reason="Java keytool not installed")
def test_java_reads_the_pkcs12_store_as_trusted_certificate_entries(
        stores: TrustStores) -> None:
    result = _run("keytool", "-list", "-keystore", str(stores.pkcs12()), "-storetype",
                  "PKCS12", "-storepass", stores.pkcs12_password())
    assert result.returncode == 0, result.stdout + result.stderr
    entries = re.findall(r"^([\w-]+), .*, (\w+),", result.stdout, re.M)
    assert sorted(entries) == [("root-cv", "trustedCertEntry"), ("root-neac", "trustedCertEntry")]


def test_the_p7b_and_the_cer_files_hold_the_anchors(testbed: Testbed,
                                                    stores: TrustStores) -> None:
    expected = {_der(path) for path in _anchors(testbed)}
    result = _run("openssl", "pkcs7", "-inform", "DER", "-in", str(stores.p7b()), "-print_certs")
    assert result.returncode == 0, result.stderr
    assert _pem_certificates(result.stdout) == expected
    windows = stores.windows_dir()
    assert sorted(p.name for p in windows.glob("*.cer")) == ["root-cv.cer", "root-neac.cer"]
    instructions = (windows / "IMPORT-WINDOWS.txt").read_text(encoding="utf-8-sig")
    for label, anchor in zip(ROOTS, _anchors(testbed), strict=True):
        certificate = x509.load_der_x509_certificate((windows / f"{label}.cer").read_bytes())
        assert certificate.public_bytes(Encoding.DER) == _der(anchor)
        thumbprint = _run("openssl", "x509", "-inform", "DER", "-in",
                          str(windows / f"{label}.cer"), "-noout", "-fingerprint", "-sha1")
        value = thumbprint.stdout.strip().split("=", 1)[1].replace(":", "")
        assert f"certutil -user -addstore Root {label}.cer" in instructions
        assert f"certutil -user -delstore Root {value}" in instructions
        assert f"Remove-Item Cert:\\CurrentUser\\Root\\{value}" in instructions
    assert "Import-Certificate -FilePath .\\trust-anchors.p7b" in instructions


def test_the_der_files_parse_with_openssl(testbed: Testbed, stores: TrustStores) -> None:
    directory = stores.der_dir()
    assert sorted(p.name for p in directory.iterdir()) == ["root-cv.der", "root-neac.der"]
    for label, anchor in zip(ROOTS, _anchors(testbed), strict=True):
        result = _run("openssl", "x509", "-inform", "DER", "-in", str(directory / f"{label}.der"),
                      "-noout", "-fingerprint", "-sha256")
        assert result.returncode == 0, result.stderr
        fingerprint = x509.load_pem_x509_certificate(anchor.read_bytes()).fingerprint(SHA256())
        assert result.stdout.strip().split("=", 1)[1].replace(":", "") == fingerprint.hex().upper()
    as_der = _run("openssl", "x509", "-inform", "DER", "-in", str(_anchors(testbed)[0]), "-noout")
    assert as_der.returncode != 0, "openssl really reads DER here (a PEM file fails)"


@pytest.mark.parametrize("form", ["pem-bundle", "capath"])
def test_openssl_verifies_through_the_bundle_and_the_capath(testbed: Testbed,
                                                           stores: TrustStores,
                                                           form: str) -> None:
    option = (["-CAfile", str(stores.pem_bundle())] if form == "pem-bundle"
              else ["-CApath", str(stores.capath())])
    anchors = testbed.trust_anchor_paths()
    defaults = ("-no-CAfile", "-no-CApath", "-no-CAstore")  # only what the form holds
    trusted = _run("openssl", "verify", *defaults, *option, str(anchors["ca-cv"]))
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    other = _run("openssl", "verify", *defaults, *option, str(anchors["root-other"]))
    assert other.returncode != 0, "an anchor not handed over is not trusted"


def test_forms_are_built_only_when_asked_and_cached_per_set_of_anchors(
        testbed: Testbed, tmp_path: Path) -> None:
    lazy = TrustStores(_anchors(testbed), tmp_path / "lazy")
    lazy.pem_bundle()
    assert sorted(p.name for p in lazy.directory.iterdir()) == [TrustForm.PEM_BUNDLE.value]
    first = trust_stores_for(_anchors(testbed))
    assert trust_stores_for(list(reversed(_anchors(testbed)))) is first
    assert trust_stores_for(_anchors(testbed, ("root-cv",))) is not first


@pytest.fixture(scope="module")
def signed_pdf(testbed: Testbed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if "trust-forms-signer" not in testbed.state.subscribers:
        testbed.issue("trust-forms-signer", name=VietnameseName(common_name="Đỗ Thị Hà"),
                      key_type=KeyType.P256)
    label = testbed.state.subscriber("trust-forms-signer").current_certificate
    assert label is not None
    path = tmp_path_factory.mktemp("pdfsig") / "signed.pdf"
    path.write_bytes(sign_fixture(testbed, administrative_document(), certificate_label=label))
    return path


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils (pdfsig) needed")
@pytest.mark.parametrize(("roots", "expected"), [
    (("root-cv",), "Certificate is Trusted"),
    (("root-neac", "root-other"), "Certificate issuer isn't Trusted"),
])
def test_pdfsig_trusts_a_testbed_signature_through_the_nss_database(
        testbed: Testbed, signed_pdf: Path, tmp_path: Path, roots: tuple[str, ...],
        expected: str, restore_clock: None) -> None:
    # pdfsig asks the testbed's OCSP responder and judges the answer by the machine's clock:
    # re-pin the session testbed (pinned when the session began, maybe many minutes ago) at now
    testbed.set_clock(wall_clock())
    database = TrustStores(_anchors(testbed, roots), tmp_path / "trust").nss_db()
    result = _run("pdfsig", "-nssdir", f"sql:{database}", str(signed_pdf))
    assert "Signature is Valid" in result.stdout, result.stdout + result.stderr
    assert f"Certificate Validation: {expected}." in result.stdout, result.stdout
