"""Everything about the software under test (SUT): how it is started, fed and judged safely.

The SUT is untrusted third-party software. :mod:`conformance.sut.sandbox` is the only module in
kyso that starts SUT processes (its own process group, a per-case timeout, capped output, a
private working directory, a minimal explicit environment, no processes left behind).
"""
