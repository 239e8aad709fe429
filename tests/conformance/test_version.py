"""A run records which kyso ran it: release plus source commit, so shards of different commits
never merge (conformance.version)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conformance.version import SOURCE_ROOT, kyso_version, source_commit


def _git(root: Path, *arguments: str) -> str:
    return subprocess.run(["git", "-C", str(root), *arguments], check=True, text=True,
                          capture_output=True).stdout.strip()


def _repository(root: Path) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    (root / "a.txt").write_text("one\n")
    _git(root, "add", "a.txt")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "c")
    return root


def test_a_clean_checkout_is_named_by_its_commit(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    assert source_commit(root) == _git(root, "rev-parse", "--short=12", "HEAD")


def test_a_changed_tracked_file_marks_the_commit_dirty(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    (root / "a.txt").write_text("two\n")
    assert source_commit(root) == _git(root, "rev-parse", "--short=12", "HEAD") + ".dirty"
    (root / "untracked.txt").write_text("new\n")  # untracked files do not count
    (root / "a.txt").write_text("one\n")
    assert source_commit(root) == _git(root, "rev-parse", "--short=12", "HEAD")


def test_a_folder_inside_another_repository_is_not_taken_for_a_checkout(tmp_path: Path) -> None:
    root = _repository(tmp_path / "repo")
    (root / "sub").mkdir()
    assert source_commit(root / "sub") is None
    assert source_commit(tmp_path) is None  # not a repository at all


def test_this_run_records_the_release_and_this_checkout_commit() -> None:
    commit = source_commit(SOURCE_ROOT)
    version = kyso_version()
    assert version.startswith("0.1.0")
    assert version.endswith(f"+g{commit}") if commit else version == "0.1.0"
