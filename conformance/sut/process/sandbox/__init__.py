"""The one door through which kyso starts software under test (SUT) processes.

The SUT is untrusted: it may hang, crash, flood its output, write huge files, leave daemons
behind or write outside its directory. :func:`run_sandboxed` runs one case and always returns a
:class:`SandboxResult` saying what happened; a misbehaving case never stops the run, and no
process of the case survives it.

How one case runs::

    kyso ── python -I -S (supervisor: own session, PR_SET_CHILD_SUBREAPER) ── SUT (own group)

* The *supervisor* is :mod:`.supervisor`, run in a fresh interpreter (stdlib C modules only,
  ~10 ms). It forks the SUT into its own process group, with ``RLIMIT_FSIZE`` = the output file
  cap (a bigger write kills the SUT with SIGXFSZ, or fails with EFBIG in programs that ignore
  that signal, as Python does), no core files, umask 077, cwd = the case's fresh 0700
  directory, and exactly the environment it was given. On a stop request (timeout,
  output flood) or if kyso dies, it sends SIGTERM to the group, then SIGKILL after the grace.
* After the SUT's main process ends, the supervisor kills every descendant still alive and
  reports each one (``leftover_processes``). Because it is a child subreaper, orphans are
  re-parented to it, *including those that called setsid() or double-forked* to leave the
  session, so they are found through ``/proc/<pid>/task/<pid>/children``.
* kyso itself (:mod:`.case_run`) reads stdout/stderr concurrently (one ``selectors`` loop),
  keeps the first ``stdout_cap_bytes`` of stdout (a JSON answer starts there) and the *last*
  ``stderr_cap_bytes`` of stderr (a crash message ends there), and drains the rest so the SUT
  never blocks on a full pipe. Beyond ``flood_kill_bytes`` in total the case is stopped: an
  endless writer should not burn CPU until the timeout.
* Backstop: if the SUT kills the supervisor (same user, so it can), kyso kills every process of
  the supervisor's session found in ``/proc``. Processes that had also left the session are
  then out of reach; the result says ``supervisor_lost``. kyso stops reading stdout/stderr
  one second after the supervisor is gone, even if something out of reach still holds them.

**Isolated** (the default of ``kyso conform``; :mod:`conformance.sut.isolation`), the supervisor
runs inside bubblewrap as PID 1 of the case's own PID namespace, as uid 65534 in its own user
namespace, seeing the read-only system, kyso's source and Python, and only what its case grants
(inputs, trust anchors, its token's store and PIN file; its directory and output folder
writable). The run's output folder and the testbeds' runtime directory are covered. The SUT
cannot see or signal kyso, cannot kill its supervisor (the kernel protects a namespace's PID 1),
and nothing survives the case (when PID 1 exits, the kernel kills the namespace). Its file calls
are traced by strace (:mod:`.access_trace`): refused ones, reaches for hidden trees and
contained writes outside its directory become findings of the case (:mod:`conformance.conduct`).

**Unconfined** (``--no-isolation``, or where bubblewrap cannot run), the SUT runs as kyso's own
user with the limits above only: writes outside its directory are then *evidence, not a jail*
(the ``watch_dirs`` are scanned, depth 3, at most 20 000 entries, for files whose mtime or ctime
is not older than the case's directory), and it could read anything kyso can.

Linux only (``pidfd_open``: kernel 5.3+, ``/proc``). Measured cost per case over a plain
``subprocess.run``: about 20 ms unconfined, about 35 ms isolated and traced
(``bench/bench_sandbox.py``).

Not caught: processes the SUT has *another* service start (``systemd-run``, ``at``, ssh to
localhost) are not its descendants; a fork bomb faster than the 5 s sweep is reported as
``sweep_complete=False``; the SUT shares the host's network (it must reach the testbed's
services on 127.0.0.1).

The modules, one concept each: :mod:`.limits` (what a case may do),
:mod:`conformance.sut.isolation` (what the SUT can see: bubblewrap's namespaces and mount plan,
shared with the UI driver), :mod:`.access_trace` (what it tried:
strace's lines as attempts), :mod:`.result` (what was observed, as a reason), :mod:`.run`
(:func:`run_sandboxed`, the door), :mod:`.case_run` (kyso's side: the supervisor process and
its pipes), :mod:`.supervisor` (the SUT's parent), :mod:`.scan` (files changed outside the
case's directories, unconfined). The SUT's environment is
:func:`conformance.sut.case_setup.minimal_env`.
"""

from conformance.sut.isolation import (
    IsolationSettings,
    SandboxGrants,
    bubblewrap_problem,
    describe,
    isolation_scope,
)
from conformance.sut.process.sandbox.limits import MEBIBYTE, SandboxError, SandboxLimits
from conformance.sut.process.sandbox.result import LeftoverProcess, SandboxResult
from conformance.sut.process.sandbox.run import run_sandboxed

__all__ = ["MEBIBYTE", "IsolationSettings", "LeftoverProcess", "SandboxError", "SandboxGrants",
           "SandboxLimits", "SandboxResult", "bubblewrap_problem", "describe", "isolation_scope",
           "run_sandboxed"]
