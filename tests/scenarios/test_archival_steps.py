"""The archival steps of the scenario format (issue 20, item 4): ``extend``, ``renew-tsa`` and
an outage of ``all`` services parse, and misuse gets one clear line. Playing them is the
catalogue's job (archive-ten-years, archive-timestamp-renewal, extended-after-revocation)."""

from __future__ import annotations

import pytest

from scenarios.archival import services_named
from scenarios.loader import ScenarioFileError, parse_scenario
from testbed.session import Testbed

STORY = """\
id: sample
title: {{vi: "Mẫu", en: "Sample"}}
description: {{vi: "Mẫu", en: "Sample"}}
regimes: [cong-vu]
actors:
  officer:
    name: {{common_name: "Nguyễn Văn An"}}
documents:
  decision: {{}}
timeline:
  - do: issue
    actor: officer
  - do: sign
    at: +1d
    actor: officer
    document: decision
    output: signed
    level: B-T
  - do: extend
    at: +2d
    input: signed
    output: extended
{extend}
  - do: renew-tsa
    at: +2900d
  - do: outage
    at: +3000d
    service: all
  - do: verify
    at: +3000d
    input: extended
    expect: {{indication: TOTAL-PASSED}}
    checkpoint:
      id: valid-offline
      requirements: [TT15-6.1.c]
      why: {{vi: "Hợp lệ", en: "Valid"}}
"""


def test_archival_steps_parse() -> None:
    scenario = parse_scenario(STORY.format(extend="    level: B-LTA"), "sample.yaml")
    assert [step.do for step in scenario.timeline] == [
        "issue", "sign", "extend", "renew-tsa", "outage", "verify"]
    extend = scenario.timeline[2]
    assert (extend.level, extend.renew) == ("B-LTA", False)  # type: ignore[union-attr]


def test_renewal_needs_level_b_lta() -> None:
    with pytest.raises(ScenarioFileError, match="'renew' needs level: B-LTA"):
        parse_scenario(STORY.format(extend="    level: B-LT\n    renew: true"), "sample.yaml")


def test_an_extension_cannot_stay_at_b_t() -> None:
    with pytest.raises(ScenarioFileError, match="level"):
        parse_scenario(STORY.format(extend="    level: B-T"), "sample.yaml")


def test_all_services_are_every_service_of_every_authority(testbed: Testbed) -> None:
    services = services_named(testbed.state, "all")
    assert {"ocsp:ca-cv", "crl:ca-cv", "tsa:ca-cv", "certs:ca-cv", "crl:root-cv"} <= \
        set(services)
    assert "tsa:root-cv" not in services  # a root runs no TSA
    assert services_named(testbed.state, "ocsp:ca-cv") == ["ocsp:ca-cv"]
