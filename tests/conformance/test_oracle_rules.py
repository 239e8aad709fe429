"""The oracle's verdict rules: one ordered table of named functions with one signature."""

from __future__ import annotations

import inspect
import re

from conformance.oracle import rules
from conformance.oracle.findings import Findings, SignatureContext
from conformance.verdict import Indication, SubIndication

TABLE_ROW = re.compile(r"^(\d+)\s+([a-z_]+)\s", re.MULTILINE)


def test_the_rule_table_lists_the_rules_in_the_documented_order() -> None:
    documented = TABLE_ROW.findall(rules.__doc__ or "")
    assert [int(number) for number, _ in documented] == list(range(1, len(rules.RULES) + 1))
    assert [name for _, name in documented] == [rule.__name__ for rule in rules.RULES]


def test_every_rule_is_a_named_function_with_the_common_signature() -> None:
    for rule in rules.RULES:
        assert inspect.isfunction(rule) and not inspect.iscoroutinefunction(rule)
        assert getattr(rules, rule.__name__) is rule, "a rule is a module-level named function"
        signature = inspect.signature(rule)
        assert list(signature.parameters) == ["context", "findings"]
        assert signature.parameters["context"].annotation == "SignatureContext"
        assert signature.parameters["findings"].annotation == "Findings"
        assert signature.return_annotation == "RuleVerdict | None"
        assert rule.__doc__, f"{rule.__name__} says why it is there"


def test_the_first_rule_that_applies_decides_before_the_signature_is_read() -> None:
    """A signature whose structure is broken is judged by rule 1 alone: no later rule (which
    would read the signer's certificate) runs."""
    context = SignatureContext(settings=None, signature=None)  # type: ignore[arg-type]
    findings = Findings(format_error="the validator could not process it: boom")
    assert rules.fold(context, findings) == rules.RuleVerdict(
        Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE,
        "the validator could not process it: boom")
