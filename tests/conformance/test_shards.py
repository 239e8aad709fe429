"""A run spread over machines: ``kyso conform --shard K/N`` and ``kyso report merge``.

The split puts every case of the catalogue in exactly one shard, the same on every machine; the
merged results of two shards are one unsharded run's, case by case; shards that do not belong
together are refused in one line naming the file and the field, with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conformance.cases import all_cases
from conformance.merge import merge_shards
from conformance.runner import RunOptions, conform, exit_code
from conformance.shards import Shard, parse_shard, shard_plan, split
from reports.diff import diff_results
from reports.render import render_all
from reports.results import Results, load_results
from testbed import InvalidInputError

EXAMPLES = Path(__file__).resolve().parents[2] / "conformance" / "sut" / "examples"
SUBSET = ("*::revoked-after-signing::*", "*::expired-certificate::*", "*::untrusted-roots::*")
KYSO = Path(sys.executable).parent / "kyso"


def _weights() -> dict[str, int]:
    """The whole catalogue's scenarios, both roles, by number of cases (the run's order)."""
    return dict(Counter(case.scenario for case in all_cases()))


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_every_case_of_the_catalogue_is_in_exactly_one_shard(count: int) -> None:
    weights = _weights()
    shards = split(weights, count)
    dealt = [scenario for shard in shards for scenario in shard]
    assert sorted(dealt) == sorted(weights) and len(dealt) == len(set(dealt))
    cases = sorted(case.id for shard in shards for case in all_cases() if case.scenario in shard)
    assert cases == sorted(case.id for case in all_cases())
    loads = [sum(weights[scenario] for scenario in shard) for shard in shards]
    assert max(loads) - min(loads) <= max(weights.values())  # balanced, to one scenario
    reversed_listing = dict(reversed(list(weights.items())))  # another machine's listing order
    assert split(reversed_listing, count) == shards


def test_a_shard_plan_records_the_whole_run() -> None:
    weights = _weights()
    plans = [shard_plan(Shard(k, 3), weights, ("*",)) for k in (1, 2, 3)]
    assert {plan.catalogue_sha256 for plan in plans} == {plans[0].catalogue_sha256}
    assert all(plan.scenarios == list(weights) and plan.only == ["*"] for plan in plans)
    assert sum(len(plan.assigned) for plan in plans) == len(weights)
    assert {plan.selected_cases for plan in plans} == {len(all_cases())}


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0", "-1/2", ""])
def test_a_shard_that_is_not_k_of_n_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--shard: .* K/N"):
        parse_shard(text)


def test_shard_syntax() -> None:
    assert parse_shard("2/3") == Shard(2, 3) and parse_shard(" 1 / 1 ") == Shard(1, 1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One unsharded run and its two shards, of a verifier that ignores revocation (so that
    some cases FAIL and a requirement fails in one shard only)."""
    root = tmp_path_factory.mktemp("shards")
    profile = root / "defective-python.toml"
    profile.write_text((EXAMPLES / "reference-python.toml").read_text(encoding="utf-8")
                       .replace("# options = {", "options = {"), encoding="utf-8")
    places = {"whole": root / "whole", "1": root / "s1", "2": root / "s2"}
    for name, out in places.items():
        shard = None if name == "whole" else Shard(int(name), 2)
        conform(RunOptions(profile, out, only=SUBSET, shard=shard), progress=lambda line: None)
    return places


def _case_by_case(results: Results) -> list[tuple[object, ...]]:
    """What a run concluded, without what differs between two runs (times, hosts, keys)."""
    return [(case.id, case.verdict, case.severity, case.reason, case.reason_vi, case.actual,
             case.expected, [(f.check, f.verdict, f.severity) for f in case.findings],
             [evidence.path for evidence in case.evidence]) for case in results.cases]


def test_two_merged_shards_equal_one_unsharded_run(runs: dict[str, Path],
                                                    tmp_path: Path) -> None:
    whole = load_results(runs["whole"] / "results.json")
    shards = [load_results(runs[k] / "results.json") for k in ("1", "2")]
    assert all(shard.cases for shard in shards)  # the split gave each shard work
    merged = merge_shards([runs["2"] / "results.json", runs["1"] / "results.json"],
                          tmp_path / "merged")
    assert exit_code(whole) == 1 and exit_code(merged) == 1
    assert _case_by_case(merged) == _case_by_case(whole)
    assert merged.requirements == whole.requirements
    assert merged.summary == whole.summary
    assert [origin.index for origin in merged.run.merged_from] == [1, 2]
    assert [origin.cases for origin in merged.run.merged_from] == [len(s.cases) for s in shards]
    assert merged.run.shard is None and whole.run.merged_from == []
    assert load_results(tmp_path / "merged" / "results.json") == merged
    # the evidence came along, and the reports read a merged run as any other
    assert all((tmp_path / "merged" / evidence.path).is_file()
               for case in merged.cases for evidence in case.evidence)
    assert not diff_results(whole, merged).regressions
    rendered = render_all(tmp_path / "merged" / "results.json")
    assert rendered.pdf.exists()
    assert "merged from 2 shards: 1/2 " in rendered.html.read_text(encoding="utf-8")
    assert "gộp từ 2 phần: 1/2 " in rendered.html.read_text(encoding="utf-8")


def _tampered(runs: dict[str, Path], tmp_path: Path, change: dict[str, object]) -> Path:
    """Shard 2's results with ``change`` (dotted field → value) made to it."""
    data = json.loads((runs["2"] / "results.json").read_text(encoding="utf-8"))
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        place = data
        for part in parents:
            place = place[part]
        place[last] = value
    path = tmp_path / "tampered" / "results.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "field"), [
    ({"run.sut.profile_sha256": "0" * 64}, "run.sut.profile_sha256"),
    ({"run.policy.sha256": "0" * 64}, "run.policy.sha256"),
    ({"run.kyso_version": "9.9.9"}, "run.kyso_version"),
    ({"run.shard.catalogue_sha256": "0" * 64}, "run.shard.catalogue_sha256"),
    ({"run.shard.count": 3}, "run.shard.count"),
    ({"run.shard.only": ["*"]}, "run.shard.only"),
    ({"run.shard.index": 1}, "run.shard.index"),
    ({"run.shard": None}, "run.shard"),
])
def test_shards_that_do_not_belong_together_are_refused(
        runs: dict[str, Path], tmp_path: Path, change: dict[str, object], field: str) -> None:
    other = _tampered(runs, tmp_path, change)
    with pytest.raises(InvalidInputError, match=rf"{other}: {field}: ") as refused:
        merge_shards([runs["1"] / "results.json", other], tmp_path / "merged")
    assert "\n" not in str(refused.value) and " / " in str(refused.value)  # one line, both
    assert not (tmp_path / "merged").exists()


def test_overlapping_and_missing_shards_are_refused(runs: dict[str, Path],
                                                    tmp_path: Path) -> None:
    plan = load_results(runs["1"] / "results.json").run.shard
    assert plan is not None
    overlap = _tampered(runs, tmp_path, {"run.shard.assigned": plan.scenarios})
    with pytest.raises(InvalidInputError, match=rf"{overlap}: run.shard.assigned: "):
        merge_shards([runs["1"] / "results.json", overlap], tmp_path / "merged")
    with pytest.raises(InvalidInputError, match=r"run.shard.count: .*shard 2/2 missing"):
        merge_shards([runs["1"] / "results.json"], tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_merge_on_the_command_line(runs: dict[str, Path], tmp_path: Path) -> None:
    refused = subprocess.run([KYSO, "report", "merge", runs["1"] / "results.json",
                              runs["1"] / "results.json", "--out", tmp_path / "m"],
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "run.shard.index" in refused.stderr and not (tmp_path / "m").exists()
    merged = subprocess.run([KYSO, "report", "merge", runs["1"] / "results.json",
                             runs["2"] / "results.json", "--out", tmp_path / "m"],
                            capture_output=True, text=True, check=False)
    assert merged.returncode == 1, merged.stderr  # exits as the unsharded run: some FAIL
    assert "merged 2 shards" in merged.stdout


def test_conform_refuses_a_shard_that_is_not_k_of_n(tmp_path: Path) -> None:
    refused = subprocess.run([KYSO, "conform", "--sut", EXAMPLES / "reference-python.toml",
                              "--shard", "3/2", "--out", tmp_path / "o"],
                             capture_output=True, text=True, check=False)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "--shard: '3/2'" in refused.stderr and not (tmp_path / "o").exists()


def test_an_empty_shard_is_written_and_merges(tmp_path: Path) -> None:
    """N larger than the selection's scenarios: the idle shard still writes its results, so a
    CI matrix of any size merges."""
    profile = EXAMPLES / "reference-python.toml"
    only = ("*untrusted-roots::verify-unrelated-root",)
    conform(RunOptions(profile, tmp_path / "s1", only=only, shard=Shard(1, 2)),
            progress=lambda line: None)
    idle_run = subprocess.run([KYSO, "conform", "--sut", profile, "--only", only[0],
                               "--shard", "2/2", "--out", tmp_path / "s2"],
                              capture_output=True, text=True, check=False)
    assert idle_run.returncode == 0, idle_run.stderr
    assert "shard 2/2: 0 of 1 scenarios, 0 of 1 cases" in idle_run.stdout
    idle = load_results(tmp_path / "s2" / "results.json")
    assert idle.cases == [] and idle.run.shard is not None and idle.run.shard.assigned == []
    merged = merge_shards([tmp_path / "s1" / "results.json", tmp_path / "s2" / "results.json"],
                          tmp_path / "merged")
    assert [case.id for case in merged.cases] == [
        "verifier::untrusted-roots::verify-unrelated-root"]
