"""``kyso conform --shard K/N``: one run spread over N machines, split by scenario.

Every machine of a CI matrix computes the same split from the same inputs (the catalogue, the
profile's roles, ``--only``), with no word to the others: the scenarios of the whole run are
dealt out heaviest first (by their number of cases, ties by scenario id) each to the shard with
the fewest cases so far (ties to the lowest K). A scenario is never cut in two: its checkpoints
share one testbed and one story. Each shard records the whole plan (:class:`reports.ShardPlan`),
so that ``kyso report merge`` can tell that its shards belong together and that none is missing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from bilingual import say
from reports import ShardPlan
from scenarios import catalogue_paths
from testbed import InvalidInputError

SHARD_SYNTAX = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    """K of N (K from 1), as ``--shard K/N`` names it."""

    index: int
    count: int


def parse_shard(text: str) -> Shard:
    """``"2/3"`` → Shard(2, 3); anything else is refused in one line naming the option."""
    found = SHARD_SYNTAX.match(text)
    if found is None or not 1 <= int(found.group(1)) <= int(found.group(2)):
        raise InvalidInputError(say(
            f"--shard: '{text}' không đúng dạng K/N với 1 ≤ K ≤ N (ví dụ 2/3)",
            f"--shard: '{text}' is not K/N with 1 ≤ K ≤ N (e.g. 2/3)"))
    return Shard(int(found.group(1)), int(found.group(2)))


def split(weights: dict[str, int], count: int) -> list[list[str]]:
    """The scenarios (id → number of cases) dealt into ``count`` shards: heaviest first, each
    to the lightest shard so far; ties broken by id and by shard index, so every machine deals
    the same. Each shard lists its scenarios in sorted order."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for scenario in sorted(weights, key=lambda name: (-weights[name], name)):
        lightest = min(range(count), key=lambda k: (loads[k], k))
        shards[lightest].append(scenario)
        loads[lightest] += weights[scenario]
    return [sorted(shard) for shard in shards]


def catalogue_digest(paths: list[Path] | None = None) -> str:
    """SHA-256 of the scenario catalogue (each file's name and bytes, in name order): shards
    split from different catalogues are not one run."""
    digest = hashlib.sha256()
    for path in sorted(paths if paths is not None else catalogue_paths()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def shard_plan(shard: Shard, weights: dict[str, int], only: tuple[str, ...]) -> ShardPlan:
    """This shard's part of the whole run ``weights`` (scenario id → cases, in run order)."""
    assigned = split(weights, shard.count)[shard.index - 1]
    return ShardPlan(index=shard.index, count=shard.count, only=list(only),
                     catalogue_sha256=catalogue_digest(), scenarios=list(weights),
                     assigned=assigned, selected_cases=sum(weights.values()))


__all__ = ["Shard", "catalogue_digest", "parse_shard", "shard_plan", "split"]
