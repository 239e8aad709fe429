"""``kyso verify --defect`` and ``kyso sign --defect`` run the named defective variant."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testbed.ca.names import VietnameseName
from testbed.documents import administrative_document
from testbed.session import Testbed


def _kyso(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", *arguments],
                          capture_output=True, text=True, timeout=180, check=False)


def test_defective_variants_from_the_command_line(testbed: Testbed, tmp_path: Path) -> None:
    token, _ = testbed.tokens.create("defect-cli", key_type="p256",
                                     name=VietnameseName(common_name="Đinh Văn Hải"))
    unsigned = tmp_path / "in.pdf"
    unsigned.write_bytes(administrative_document())
    signed = tmp_path / "no-timestamp.pdf"
    result = _kyso("sign", str(unsigned), str(signed), "--testbed", str(testbed.directory),
                   "--token", token.label, "--level", "B-T", "--defect", "no-timestamp",
                   "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["outcome"] == "signed"
    reference = _kyso("verify", str(signed), "--testbed", str(testbed.directory), "--json")
    answer = json.loads(reference.stdout)["signatures"][0]
    assert answer["indication"] == "TOTAL-PASSED" and "hợp lệ" in answer["display"]["result"]
    english = _kyso("verify", str(signed), "--testbed", str(testbed.directory), "--json",
                    "--defect", "english-only")
    shown = json.loads(english.stdout)["signatures"][0]["display"]["result"]
    assert shown == "The signature is valid"
    wrong = _kyso("verify", str(signed), "--testbed", str(testbed.directory), "--defect",
                  "no-such-defect")
    assert wrong.returncode == 2 and "is not a verifier defect" in wrong.stderr
