"""The one-way flow and the simulated-time rule, checked on the source itself."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_]+)", re.MULTILINE)
MODULE_IMPORT = re.compile(r"^\s*(?:from|import)\s+([a-z_][a-z_.]*)", re.MULTILINE)
WALL_CLOCK = re.compile(r"datetime\.(?:now|utcnow)\(|time\.time\(\)")


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for module in IMPORT.findall(path.read_text(encoding="utf-8")):
            found.add((str(path.relative_to(ROOT)), module))
    return found


def test_testbed_imports_no_higher_layer() -> None:
    offenders = {(path, module) for path, module in _imports("testbed")
                 if module in {"conformance", "scenarios", "reports"}}
    assert not offenders


def test_reports_read_results_only() -> None:
    offenders = {(path, module) for path, module in _imports("reports")
                 if module in {"conformance", "scenarios", "testbed"}}
    assert not offenders


def test_pdffonts_imports_no_kyso_package() -> None:
    """The shared font door sits below every layer: testbed and reports both import it."""
    offenders = {(path, module) for path, module in _imports("pdffonts")
                 if module in {"testbed", "conformance", "scenarios", "reports"}}
    assert not offenders


def test_scenarios_do_not_import_conformance() -> None:
    assert not {(p, m) for p, m in _imports("scenarios") if m == "conformance"}


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = []
    for package in ("testbed", "conformance", "scenarios", "reports", "pdffonts", "emulators"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "clock.py" and path.parent.name == "testbed":
                continue
            if WALL_CLOCK.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_only_the_emulate_command_imports_the_emulators() -> None:
    """The emulators are a tool beside the suite: nothing that judges depends on them."""
    offenders = {(path, module) for package in ("testbed", "scenarios", "conformance", "reports")
                 for path, module in _imports(package) if module == "emulators"
                 and not (path == "conformance/cli.py" or path.startswith("conformance/cli/"))}
    assert not offenders


def _module_imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for module in MODULE_IMPORT.findall(path.read_text(encoding="utf-8")):
            found.add((str(path.relative_to(ROOT)), module))
    return found


def test_process_and_service_adapters_do_not_import_each_other() -> None:
    offenders = {(path, module) for path, module in _module_imports("conformance/sut/process")
                 if module.startswith("conformance.sut.service.")}
    offenders |= {(path, module) for path, module in _module_imports("conformance/sut/service")
                  if module.startswith("conformance.sut.process.")}
    assert not offenders


def test_the_generic_profile_loads_no_adapter_kind_at_import() -> None:
    """profile.py finds a kind's code through conformance.sut.kinds, on first use."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, conformance.sut.profile, conformance.sut.adapters; "
         "print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout.split()
    kinds = ("conformance.sut.process", "conformance.sut.service", "emulators")
    assert not [name for name in loaded if name in kinds or name.startswith(
        tuple(f"{kind}." for kind in kinds))]


PYHANKO_VALIDATION = re.compile(
    r"^\s*(?:from|import)\s+pyhanko\.sign\.validation\b|\bCertificateValidator\b"
    r"|\bvalidate_path\b|\bvalidate_pdf_signature\b", re.MULTILINE)


def test_only_the_oracle_calls_pyhankos_validators() -> None:
    """One door: a change of validation library touches conformance/oracle/ only. Signing code
    may still give pyHanko a ValidationContext to embed revocation data."""
    oracle = ROOT / "conformance" / "oracle"
    offenders = []
    for package in ("testbed", "conformance", "scenarios", "reports", "pdffonts", "emulators"):
        for path in (ROOT / package).rglob("*.py"):
            if oracle in path.parents:
                continue
            if PYHANKO_VALIDATION.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
