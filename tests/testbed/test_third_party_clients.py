"""openssl, a real third-party client, accepts the testbed's OCSP responses and CRLs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from testbed.ca.names import VietnameseName
from testbed.ca.revocation_reasons import RevocationReason
from testbed.clock import wall_clock
from testbed.session import Testbed
from tests.helpers import fetch


def _files(testbed: Testbed, tmp_path: Path, label: str) -> dict[str, Path]:
    files = {name: tmp_path / f"{name}.pem" for name in ("leaf", "ca", "root")}
    files["leaf"].write_text(testbed.certificate_pem(label))
    files["ca"].write_text(testbed.certificate_pem("ca-cv"))
    files["root"].write_text(testbed.certificate_pem("root-cv"))
    return files


def _openssl_ocsp(testbed: Testbed, files: dict[str, Path], *extra: str) -> str:
    result = subprocess.run(
        ["openssl", "ocsp", "-issuer", str(files["ca"]), "-cert", str(files["leaf"]),
         "-url", testbed.urls("ca-cv")["ocsp"], "-CAfile", str(files["root"]),
         "-verify_other", str(files["ca"]), "-validity_period", "300", *extra],
        capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_openssl_ocsp_verifies_good_then_revoked(testbed: Testbed, tmp_path: Path,
                                                restore_clock: None) -> None:
    # openssl judges thisUpdate by its own clock: re-pin the session testbed (pinned when the
    # session began, possibly many minutes ago) at the real instant
    testbed.set_clock(wall_clock())
    label = testbed.issue("openssl-ocsp", name=VietnameseName(common_name="Lê Văn Cường")).label
    files = _files(testbed, tmp_path, label)
    output = _openssl_ocsp(testbed, files)
    assert "Response verify OK" in output
    assert f"{files['leaf']}: good" in output
    testbed.revoke(label, reason=RevocationReason.KEY_COMPROMISE)
    output = _openssl_ocsp(testbed, files, "-no_nonce")
    assert "Response verify OK" in output
    assert f"{files['leaf']}: revoked" in output
    assert "Reason: keyCompromise" in output


def test_openssl_crl_verifies_the_crl_signature(testbed: Testbed, tmp_path: Path) -> None:
    label = testbed.issue("openssl-crl", name=VietnameseName(common_name="Phạm Thị Dung")).label
    testbed.revoke(label, reason=RevocationReason.SUPERSEDED)
    testbed.publish_crl("ca-cv")
    files = _files(testbed, tmp_path, label)
    crl_file = tmp_path / "ca-cv.crl"
    crl_file.write_bytes(fetch(testbed.urls("ca-cv")["crl"]))
    chain_file = tmp_path / "chain.pem"
    chain_file.write_text(files["ca"].read_text() + files["root"].read_text())
    result = subprocess.run(
        ["openssl", "crl", "-inform", "DER", "-in", str(crl_file), "-CAfile", str(chain_file),
         "-noout", "-text"], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "verify OK" in result.stderr + result.stdout
    assert f"{testbed.certificate(label).serial:X}" in result.stdout
    assert "Superseded" in result.stdout
