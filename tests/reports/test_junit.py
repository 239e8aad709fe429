"""JUnit XML: it parses, its counts match the results, and verdicts map to the right elements."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from reports.junit import render_junit
from reports.results import Results, Verdict


def _parse(document: str) -> ElementTree.Element:
    return ElementTree.fromstring(document.encode("utf-8"))  # noqa: S314 (our own output)


def test_the_junit_file_parses_and_its_counts_match(results: Results) -> None:
    root = _parse(render_junit(results))
    assert root.tag == "testsuites"
    counted = {verdict: sum(1 for case in results.cases if case.verdict is verdict)
               for verdict in Verdict}
    assert root.get("tests") == str(len(results.cases))
    assert root.get("failures") == str(counted[Verdict.FAIL])
    assert root.get("errors") == str(counted[Verdict.ERROR])
    assert root.get("skipped") == str(counted[Verdict.SKIPPED])
    suites = root.findall("testsuite")
    assert sum(int(suite.get("tests", "0")) for suite in suites) == len(results.cases)
    assert {suite.get("name") for suite in suites} == {
        "signer::pades", "signer::certificate", "signer::revocation", "signer::token",
        "verifier::revocation", "verifier::integrity", "verifier::display"}
    assert sorted(case.get("name", "") for case in root.iter("testcase")) \
        == sorted(c.id for c in results.cases)


def test_each_verdict_has_its_junit_element(results: Results) -> None:
    root = _parse(render_junit(results))
    cases = {element.get("name"): element for element in root.iter("testcase")}
    for case in results.cases:
        element = cases[case.id]
        tags = {child.tag for child in element} - {"properties", "system-out"}
        expected = {Verdict.FAIL: {"failure"}, Verdict.ERROR: {"error"},
                    Verdict.SKIPPED: {"skipped"}, Verdict.PASS: set()}[case.verdict]
        assert tags == expected, case.id
        requirements = [p.get("value") for p in element.iter("property")
                        if p.get("name") == "requirement"]
        assert requirements == case.requirements
    failure = cases["verifier::revocation::revoked-before-signing"].find("failure")
    assert failure is not None and "<script>alert(1)</script>" in failure.get("message", "")
    assert "TOTAL-PASSED" in (failure.text or "")  # the answer, escaped by the XML writer


def test_control_characters_from_software_output_keep_the_xml_well_formed(
        results: Results) -> None:
    results.cases[4].actual = "garbage \x00\x1b[31m\x07 end"
    results.cases[4].reason = "crash \x0c"
    root = _parse(render_junit(results))
    error = root.find(".//testcase[@name='signer::token::wrong-pin-is-refused']/error")
    assert error is not None and "\\x00\\x1b[31m\\x07" in (error.text or "")
