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

Linux only (``pidfd_open``: kernel 5.3+, ``/proc``). Measured cost per case: ~17-20 ms, almost
all of it the supervisor interpreter's start (``bench/bench_sandbox.py``).

Not caught: processes the SUT has *another* service start (``systemd-run``, ``at``, ssh to
localhost) are not its descendants; a fork bomb faster than the 5 s sweep is reported as
``sweep_complete=False``. Writes outside the directory are *evidence, not a jail*: the SUT gets
HOME and TMPDIR inside its directory, and afterwards the ``watch_dirs`` are scanned (depth 3,
at most 20 000 entries) for files whose mtime or ctime is not older than the case's directory.
Deleted files, deeper or unwatched paths, and writes by concurrent neighbours (attributed to
this case) are the limits of that scan. The SUT runs as kyso's own user, so it could even
signal kyso: real isolation needs a dedicated user or a container around the run.

The modules, one concept each: :mod:`.limits` (what a case may do), :mod:`.result` (what was
observed, as a reason), :mod:`.run` (:func:`run_sandboxed`, the door), :mod:`.case_run` (kyso's
side: the supervisor process and its pipes), :mod:`.supervisor` (the SUT's parent),
:mod:`.scan` (files changed outside the case's directories). The SUT's environment is
:func:`conformance.sut.case_setup.minimal_env`.
"""

from conformance.sut.process.sandbox.isolation import (
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
