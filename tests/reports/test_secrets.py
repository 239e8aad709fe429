"""No PIN, password or private key in any report, even when the software echoed one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reports.diff import diff_results, render_diff_markdown, render_diff_table
from reports.json_output import write_results
from reports.render import render_all
from reports.results import Results
from reports.vocabulary import REDACTED, redact
from tests.reports.sample import LEAKED_PIN, LEAKED_SO_PIN, sample_results

FORBIDDEN = (LEAKED_PIN, LEAKED_SO_PIN, "PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")


def test_the_sample_really_carries_secrets(results: Results) -> None:
    text = results.model_dump_json()
    assert all(secret in text for secret in FORBIDDEN)  # else the test below proves nothing


def test_no_rendered_output_carries_a_secret(results: Results, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    write_results(results, path)
    written = render_all(path)
    pdf_text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(written.pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
    outputs = {
        "results.json": path.read_text(encoding="utf-8"),
        "report.html": written.html.read_text(encoding="utf-8"),
        "junit.xml": written.junit.read_text(encoding="utf-8"),
        "report.pdf (text)": pdf_text,
        "report.pdf (bytes)": written.pdf.read_bytes().decode("latin-1"),
        "diff": render_diff_table(diff_results(sample_results(), results))
        + render_diff_markdown(diff_results(sample_results(), results)),
    }
    for name, text in outputs.items():
        for secret in FORBIDDEN:
            assert secret not in text, f"{secret!r} in {name}"
    assert REDACTED in outputs["report.html"] and REDACTED in outputs["junit.xml"]


@pytest.mark.parametrize(("text", "shown"), [
    ("C_Login failed, PIN: 1234 rejected", "C_Login failed, PIN: * rejected"),
    ("pkcs11-tool --login --pin 123456 -v", "pkcs11-tool --login --pin * -v"),
    ("--so-pin=12345678", "--so-pin=*"),
    ("pkcs11:token=kyso;pin-value=0000", "pkcs11:token=kyso;pin-value=*"),
    ("mật khẩu: bimat123", "mật khẩu: *"),
    ("SO PIN 87654321.", "SO PIN *."),
    ("a\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\nb",
     "a\n-----*-----\nb"),
    ("cut: -----BEGIN PRIVATE KEY-----\nMIIEv", "cut: -----*-----"),
])
def test_secret_looking_values_are_redacted(text: str, shown: str) -> None:
    assert redact(text) == shown.replace("*", REDACTED)


@pytest.mark.parametrize("text", [
    "signer::token::wrong-pin-is-refused", "PIN is wrong", "refused: wrong PIN",
    "the pin pad was shown", "TOTAL-PASSED",
])
def test_ordinary_text_about_pins_is_kept(text: str) -> None:
    assert redact(text) == text
