"""The one-way flow and the simulated-time rule, checked on the source itself."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from functools import cache
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


def test_bilingual_imports_no_kyso_package() -> None:
    """The language a person reads sits below every layer: the testbed's errors use it too."""
    offenders = {(path, module) for path, module in _imports("bilingual")
                 if module in {"testbed", "conformance", "scenarios", "reports", "pdffonts"}}
    assert not offenders


def test_scenarios_do_not_import_conformance() -> None:
    assert not {(p, m) for p, m in _imports("scenarios") if m == "conformance"}


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = []
    for package in ("testbed", "conformance", "scenarios", "reports", "pdffonts", "emulators",
                    "bilingual"):
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
                 and not path.startswith("conformance/cli/")}
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


# ---- one door per external tool ---------------------------------------------------------------
PACKAGES = ("testbed", "conformance", "scenarios", "reports", "pdffonts")
CERTOMANCER_DOOR = "testbed/ca/certomancer_bridge/"
SOFTHSM_DOOR = "testbed/tokens/softhsm.py"
SOFTHSM_MODULE = "testbed.tokens.softhsm"
SOFTHSM_PACKAGE = "testbed/tokens/"
SOFTHSM_INTERNALS = ("SOFTHSM2_CONF", "softhsm2.conf", "softhsm-tokens", "softhsm-lockout",
                     "libsofthsm2", "softhsm2-util", "ENV_SOFTHSM_CONF", "SOFTHSM_MODULE")
"""What only the SoftHSM door may name in code: its environment variable, its files and
directories, its library and utility (docstrings and comments may explain them)."""


@cache
def _sources() -> list[tuple[str, ast.Module]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = str(path.relative_to(ROOT))
            found.append((relative, ast.parse(path.read_text(encoding="utf-8"), relative)))
    return found


def _imported_modules(relative: str, tree: ast.Module) -> set[str]:
    """Every module a source file imports, absolute (relative imports resolved), including
    ``from package import module`` as ``package.module`` and imports inside functions."""
    package = relative.removesuffix(".py").split("/")[:-1]  # a module's (or __init__'s) package
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            modules.add(base)
            modules.update(f"{base}.{alias.name}" for alias in node.names)
    return modules


def _code_mentions(tree: ast.Module, words: tuple[str, ...]) -> set[str]:
    """The ``words`` a module's code names: in identifiers, imported names and string literals,
    but not in docstrings or other bare string statements."""
    explanations = {id(node.value) for node in ast.walk(tree)
                    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    found: set[str] = set()
    for node in ast.walk(tree):
        texts: list[str] = []
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in explanations:
            texts.append(node.value)
        elif isinstance(node, ast.Name):
            texts.append(node.id)
        elif isinstance(node, ast.Attribute):
            texts.append(node.attr)
        elif isinstance(node, ast.alias):
            texts.extend([node.name, node.asname or ""])
        found.update(word for word in words for text in texts if word in text)
    return found


def test_only_the_certomancer_bridge_imports_certomancer() -> None:
    offenders = {relative for relative, tree in _sources()
                 if not relative.startswith(CERTOMANCER_DOOR)
                 and any(module == "certomancer" or module.startswith("certomancer.")
                         for module in _imported_modules(relative, tree))}
    assert not offenders, f"certomancer is reached only through {CERTOMANCER_DOOR}"


def test_only_the_softhsm_door_knows_softhsm() -> None:
    """Outside ``testbed/tokens/`` nothing imports the SoftHSM module (the package's public
    API, e.g. ``testbed.tokens.open_token_library``, is the way in); nowhere but the door
    does code name SoftHSM's environment, files, library or utility."""
    importers = {relative for relative, tree in _sources()
                 if not relative.startswith(SOFTHSM_PACKAGE)
                 and SOFTHSM_MODULE in _imported_modules(relative, tree)}
    assert not importers, f"{SOFTHSM_MODULE} is imported outside {SOFTHSM_PACKAGE}"
    knowing = {relative: sorted(_code_mentions(tree, SOFTHSM_INTERNALS))
               for relative, tree in _sources() if relative != SOFTHSM_DOOR}
    assert not {relative: words for relative, words in knowing.items() if words}


# ---- public APIs: packages meet only through their __init__ ------------------------------------
PACKAGES = ("testbed", "scenarios", "conformance", "reports", "pdffonts", "emulators", "bilingual")


def _public_names(package: str) -> set[str]:
    """The names a package declares public: its ``_PUBLIC`` table, else its literal ``__all__``."""
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        names = {target.id for target in targets if isinstance(target, ast.Name)}
        if "_PUBLIC" in names and isinstance(node.value, ast.Dict):
            return {key.value for key in node.value.keys if isinstance(key, ast.Constant)}
        if "__all__" in names and isinstance(node.value, ast.List):
            return {item.value for item in node.value.elts if isinstance(item, ast.Constant)}
    return set()


def _cross_package_imports() -> list[tuple[str, int, str, list[str]]]:
    """Every import in one kyso package of another one: (file, line, module, names)."""
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [(node.module, [alias.name for alias in node.names])]
                elif isinstance(node, ast.Import):
                    modules = [(alias.name, []) for alias in node.names]
                else:
                    continue
                for module, names in modules:
                    top = module.split(".")[0]
                    if top in PACKAGES and top != package:
                        found.append((where, node.lineno, module, names))
    return found


def _public_api_offenders(imports: list[tuple[str, int, str, list[str]]]) -> list[str]:
    public = {package: _public_names(package) for package in PACKAGES}
    offenders = []
    for where, line, module, names in imports:
        top = module.split(".")[0]
        if module != top or not names:
            offenders.append(f"{where}:{line}: deep import of {module}")
        offenders += [f"{where}:{line}: {top}.{name} is not in {top}.__all__"
                      for name in names if name not in public[top]]
    return offenders


def test_packages_import_each_other_only_through_their_public_api() -> None:
    """``from testbed import Testbed``, never ``from testbed.session import Testbed``: a package
    can then move its modules without breaking another, and its ``__init__`` says what it offers."""
    assert not _public_api_offenders(_cross_package_imports())


def test_the_public_api_check_catches_deep_and_undeclared_imports() -> None:
    bad = [("scenarios/x.py", 1, "testbed.session", ["Testbed"]),
           ("scenarios/x.py", 2, "testbed", ["NotPublic"]),
           ("scenarios/x.py", 3, "testbed.clock", [])]
    good = [("scenarios/x.py", 4, "testbed", ["Testbed"])]
    assert len(_public_api_offenders(bad + good)) == 3


def test_every_lazy_public_name_resolves_and_is_typed_alike() -> None:
    """Each ``_PUBLIC`` name loads from the module the table names, and the ``TYPE_CHECKING``
    block (what type checkers and editors read) imports the same name from the same module."""
    problems = []
    for package in PACKAGES:
        tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
        table = next((node.value for node in tree.body if isinstance(node, ast.Assign)
                      and isinstance(node.value, ast.Dict)
                      and any(isinstance(t, ast.Name) and t.id == "_PUBLIC"
                              for t in node.targets)), None)
        if table is None:
            continue
        lazy = {key.value: value.value for key, value in zip(table.keys, table.values,
                                                               strict=True)
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant)}
        typed = {alias.name: "." * node.level + (node.module or "")
                 for block in tree.body if isinstance(block, ast.If)
                 for node in block.body if isinstance(node, ast.ImportFrom)
                 for alias in node.names}
        if lazy != typed:
            problems.append(f"{package}: _PUBLIC and the TYPE_CHECKING imports differ: "
                            f"{sorted(set(lazy.items()) ^ set(typed.items()))}")
        module = importlib.import_module(package)
        problems += [f"{package}.{name}" for name in lazy if not hasattr(module, name)]
    assert not problems


PROCESS_START = re.compile(
    r"\bsubprocess\.(?:run|Popen|call|check_call|check_output)\b|\bcreate_subprocess_(?:exec|shell)\b"
    r"|\bos\.(?:exec\w*|spawn\w*|posix_spawn\w*|system|popen)\(")
PROCESS_DOORS = {
    "conformance/sut/process/sandbox",
    # asks bubblewrap whether it can run here (``bwrap ... /bin/true``, ``bwrap --version``);
    # never starts a SUT
    "conformance/sut/isolation.py",
    # the [interaction] UI driver: the tester's automation tool, not the software under test;
    # it gets its own process group and a private directory (see that module's docstring)
    "conformance/sut/service/interaction.py",
    # ``kyso up --background``: starts kyso itself (the testbed's services), never a SUT
    "conformance/cli/testbed_process.py",
    # ``git rev-parse`` / ``git status`` on kyso's own checkout, once per process: which kyso
    # commit a run came from; never starts a SUT
    "conformance/version.py",
}


def _starts_processes(package: str) -> set[str]:
    return {str(path.relative_to(ROOT)) for path in (ROOT / package).rglob("*.py")
            if PROCESS_START.search(path.read_text(encoding="utf-8"))}


def test_only_the_sandbox_starts_the_software_under_test() -> None:
    """A SUT process started anywhere else would escape the time, output and orphan limits."""
    offenders = {path for package in ("conformance", "scenarios")
                 for path in _starts_processes(package)
                 if not any(path == door or path.startswith(door + "/") for door in PROCESS_DOORS)}
    assert not offenders


def test_the_process_door_check_sees_a_process_start() -> None:
    assert PROCESS_START.search("    result = subprocess.run([program], check=False)")
    assert PROCESS_START.search("await asyncio.create_subprocess_exec(*command)")
    assert PROCESS_START.search("os.execve(executable, argv, env)")
    assert not PROCESS_START.search("subprocess.TimeoutExpired")
