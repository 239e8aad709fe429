"""JUnit XML of a run, for CI systems and test dashboards.

One ``<testsuite>`` per case family (``role::family``, e.g. ``verifier::revocation``), one
``<testcase>`` per case named by its case ID. FAIL becomes ``<failure>``, ERROR ``<error>``
(the software gave no usable answer), SKIPPED ``<skipped>``; the reason is the ``message``, with
every failed finding (check by check, technical or display) after it, and expected/actual and
every finding are the body. Each testcase carries its requirement IDs, severity and evidence
paths as ``<property>`` elements; the root carries the run header. Built with ``xml.etree``,
so every attribute and text is escaped; characters XML 1.0 cannot carry (NUL, ESC, … from a
misbehaving program's output) are written as ``\\xNN``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from .findings_words import finding_text, sorted_findings
from .results import CaseResult, Results, Verdict
from .vocabulary import family_of, redacted, vietnam_time

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: forbidden characters shown as ``\\xNN``."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group(0)):02x}", text)


def _properties(parent: ElementTree.Element, pairs: list[tuple[str, str]]) -> None:
    properties = ElementTree.SubElement(parent, "properties")
    for name, value in pairs:
        ElementTree.SubElement(properties, "property", name=name, value=_xml_text(value))


def _testcase(suite: ElementTree.Element, case: CaseResult) -> None:
    element = ElementTree.SubElement(
        suite, "testcase", name=_xml_text(case.id),
        classname=_xml_text(family_of(case.id).replace("::", ".")),
        time=f"{case.duration_seconds:.3f}")
    _properties(element, [
        *(("requirement", requirement) for requirement in case.requirements),
        ("title", case.title.vi), ("title_en", case.title.en),
        ("severity", case.severity.value), ("judged_at", vietnam_time(case.judged_at)),
        *((f"evidence.{item.kind}", f"{item.path} sha256={item.sha256}")
          for item in case.evidence),
    ])
    findings = "".join(f"\n{finding_text(finding)}" for finding in sorted_findings(case))
    body = _xml_text(f"expected: {case.expected}\nactual: {case.actual}"
                     + (f"\nfindings:{findings}" if findings else ""))
    if case.verdict is Verdict.FAIL:
        # every failed finding in the message, each with its category: a CI reader sees at
        # once whether the technical answer, the display, or both are wrong
        failed = [finding_text(f) for f in sorted_findings(case) if f.verdict is Verdict.FAIL]
        message = case.reason if not failed else \
            f"{case.reason} [{len(failed)} failed: " + " | ".join(failed) + "]"
        ElementTree.SubElement(element, "failure", message=_xml_text(message),
                               type=f"FAIL/{case.severity.value}").text = body
    elif case.verdict is Verdict.ERROR:
        ElementTree.SubElement(element, "error", message=_xml_text(case.reason),
                               type="ERROR").text = body
    elif case.verdict is Verdict.SKIPPED:
        ElementTree.SubElement(element, "skipped", message=_xml_text(case.reason))
    else:
        ElementTree.SubElement(element, "system-out").text = _xml_text(
            case.reason + (f"\nfindings:{findings}" if findings else ""))


def _counts(cases: list[CaseResult]) -> dict[str, str]:
    def count(verdict: Verdict) -> str:
        return str(sum(1 for case in cases if case.verdict is verdict))

    return {"tests": str(len(cases)), "failures": count(Verdict.FAIL),
            "errors": count(Verdict.ERROR), "skipped": count(Verdict.SKIPPED),
            "time": f"{sum(case.duration_seconds for case in cases):.3f}"}


def render_junit(results: Results) -> str:
    """The JUnit XML document (UTF-8 text with an XML declaration)."""
    results = redacted(results)
    run = results.run
    root = ElementTree.Element("testsuites", name=_xml_text(f"kyso: {run.sut.name}"),
                               **_counts(results.cases))
    _properties(root, [
        ("sut", run.sut.name), ("sut.vendor", run.sut.vendor or ""),
        ("sut.version", run.sut.version or ""),
        ("sut.profile_sha256", run.sut.profile_sha256 or ""),
        ("policy", run.policy.name), ("policy.sha256", run.policy.sha256 or ""),
        ("kyso_version", run.kyso_version), ("testbed_instant", vietnam_time(run.testbed_instant)),
        ("mandatory_failures", " ".join(results.summary.mandatory_failures)),
    ])
    families: dict[str, list[CaseResult]] = {}
    for case in results.cases:
        families.setdefault(family_of(case.id), []).append(case)
    for family, cases in families.items():
        suite = ElementTree.SubElement(root, "testsuite", name=_xml_text(family),
                                       timestamp=vietnam_time(run.started_at),
                                       hostname=_xml_text(run.host), **_counts(cases))
        for case in cases:
            _testcase(suite, case)
    ElementTree.indent(root)
    document = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{document}\n'
