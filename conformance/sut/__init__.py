"""Everything about the software under test (SUT): how it is started, fed and judged safely.

Two kinds of adapters, one subpackage each: :mod:`.process` starts the SUT (``cli``,
``batch``, ``python``, and the ``manual`` test kit), :mod:`.service` talks to a running
signing service (``http``, ``ws-oneshot``, ``ws-session``, ``remote-hash``). What both kinds
and the runner share stays here: the profile (:mod:`.profile`, :mod:`.service_profile`), the
registry of kinds (:mod:`.kinds`), the adapter contract (:mod:`.contract`), the role builder
(:mod:`.adapters`), per-case set-up (:mod:`.case_setup`), the PKCS#11 trace
(:mod:`.traced_token`) and ``kyso adapter check`` (:mod:`.adapter_check`).

The SUT is untrusted third-party software. :mod:`conformance.sut.process.sandbox` is the only
package in kyso that starts SUT processes (its own process group, a per-case timeout, capped
output, a private working directory, a minimal explicit environment, no processes left behind).
"""
