"""What the software under test can see: bubblewrap's mount, PID and user namespaces.

Every process-driven SUT runs in ``bwrap`` (Debian's ``bubblewrap``, the engine Flatpak uses)
unless the run was started with ``--no-isolation``. Inside, it sees:

* **the system, read-only**: ``/usr``, ``/etc``, ``/bin``, ``/lib*``, ``/sbin``, ``/opt``, the
  Python installation kyso runs on, kyso's own source tree (a vendor's wrapper may use the
  contract's models), and the profile's ``[adapter] read_only_paths`` (a vendor's install
  folder); root-only files of that view (``/etc/shadow``, ``/etc/gshadow``, ``/etc/ssl/private``,
  SSH host keys) are hidden;
* **what its case hands it** (:class:`SandboxGrants`): its inputs, trust anchors, the token's
  access file, module configuration and store, the PIN file, read-only; its working directory
  (cwd, HOME, TMPDIR) and output folder, writable;
* **nothing of the rest of the run**: the run's output folder, the testbed and the runtime
  directory holding the testbed's keys and PINs are covered by an empty read-only tmpfs
  (:data:`IsolationSettings.hidden`), in which only the case's own files are bound back;
* a fresh ``/proc`` of its own **PID namespace** (it cannot see or signal kyso or other cases;
  when the supervisor, PID 1 there, ends, the kernel kills whatever is left), a private ``/dev``
  and an empty ``/tmp``; the host's network, so it reaches the testbed's services on 127.0.0.1;
* its own **user namespace**, as uid/gid 65534 (nobody), with no capability.

Where bwrap cannot run (not installed, no user namespaces), :func:`bubblewrap_problem` says why;
``kyso conform`` then refuses unless ``--no-isolation`` is given, and the report says
"isolation: none" on its first page.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_UID = 65534
"""The SUT's user and group inside its namespace: nobody / nogroup."""

SYSTEM_READ_ONLY = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
"""The read-only view of the system (those that exist; /bin and /lib are symlinks on usrmerge)."""

X11_SOCKETS = Path("/tmp/.X11-unix")  # noqa: S108 (the X server's own, for a UI driver)
"""Where a desktop's X server listens: granted to the UI driver (it must reach the window)."""

SYSTEM_SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-",
                  "/etc/ssl/private", "/etc/ssh")
"""Root-only places inside the system view, hidden: a SUT started by root maps to root's files."""

KYSO_ROOT = Path(__file__).resolve().parents[2]
"""kyso's source tree (``conformance/`` lives in it): read-only, so a wrapper can use kyso's
contract models as a vendor's would; the run's output folder inside it stays hidden."""


@dataclass(frozen=True)
class SandboxGrants:
    """What one case hands its SUT beyond the read-only system: paths it may read, and paths
    it may write (besides its working directory, which is always writable)."""

    read_only: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()

    def plus(self, other: SandboxGrants) -> SandboxGrants:
        return SandboxGrants(self.read_only + other.read_only, self.writable + other.writable)


@dataclass(frozen=True)
class IsolationSettings:
    """The run's isolation: on or off, what to hide, what else the profile may read."""

    enabled: bool = True
    hidden: tuple[Path, ...] = ()
    """Trees the SUT must not see (the run's output folder, the runtime directory...)."""
    extra_read_only: tuple[Path, ...] = ()
    """The profile's ``read_only_paths`` (a vendor's install folder), named in the report."""
    trace: bool = True
    """Record the SUT's file accesses with strace (denied ones and writes outside become
    findings); off only where strace is missing."""
    reason_off: str = ""
    """Why isolation is off (``--no-isolation``), for the report."""


_SETTINGS: contextvars.ContextVar[IsolationSettings | None] = contextvars.ContextVar(
    "kyso_isolation", default=None)


@contextlib.contextmanager
def isolation_scope(settings: IsolationSettings) -> Iterator[IsolationSettings]:
    """Every SUT process started inside the ``with`` block runs under ``settings``."""
    token = _SETTINGS.set(settings)
    try:
        yield settings
    finally:
        _SETTINGS.reset(token)


def current_isolation() -> IsolationSettings:
    """The run's settings; outside a run: isolated when bwrap can run here, else not."""
    settings = _SETTINGS.get()
    if settings is not None:
        return settings
    problem = bubblewrap_problem()
    if problem is None:
        return IsolationSettings(trace=strace_path() is not None)
    return IsolationSettings(enabled=False, reason_off=problem)


@functools.cache
def bubblewrap_problem() -> str | None:
    """None if bwrap can start a process in new user, mount and PID namespaces here; else why
    not, in one line (probed once per process: about 5 ms)."""
    program = shutil.which("bwrap")
    if program is None:
        return ("bubblewrap is not installed (Debian package 'bubblewrap'; `make test` and "
                "`make demo` install it)")
    probe = [program, "--unshare-user", "--unshare-pid", "--ro-bind", "/", "/", "--proc",
             "/proc", "--", "/bin/true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not run: {error}"
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bubblewrap cannot create namespaces here: {why[-1] if why else done.returncode}"
    return None


@functools.cache
def bubblewrap_version() -> str:
    try:
        done = subprocess.run(["bwrap", "--version"], capture_output=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "bubblewrap"
    return done.stdout.decode("utf-8", "replace").strip() or "bubblewrap"


@functools.cache
def strace_path() -> str | None:
    return shutil.which("strace")


def named_paths(command: Sequence[str]) -> list[Path]:
    """The existing absolute paths a command line names (``/x``, ``--opt=/x``, ``sql:/x``):
    the program, its scripts and what the case put there are the SUT's to read."""
    found = []
    for argument in command:
        for candidate in (argument, argument.partition("=")[2], argument.partition(":")[2]):
            if candidate.startswith("/") and os.path.exists(candidate):
                found.append(Path(candidate))
                break
    return found


def describe(settings: IsolationSettings) -> str:
    """One line for the report's first page."""
    if not settings.enabled:
        return f"none ({settings.reason_off})" if settings.reason_off else "none"
    extras = (f"; also readable (the profile's read_only_paths): "
              f"{', '.join(str(path) for path in settings.extra_read_only)}"
              if settings.extra_read_only else "")
    traced = "; file accesses traced (strace)" if settings.trace else \
        "; file accesses not traced (strace missing)"
    return (f"{bubblewrap_version()}: own user (nobody), PID and mount namespaces; read-only "
            f"system; only its case's files{traced}{extras}")


def _python_roots() -> list[Path]:
    """The interpreter kyso runs (and its venv): a ``{python}`` SUT and the supervisor use it."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
             Path(sys.executable).resolve().parent.parent}
    return sorted(roots)


@dataclass
class _MountPlan:
    """bwrap's mount arguments, in order (later mounts go on top of earlier ones)."""

    arguments: list[str] = field(default_factory=list)

    def bind(self, source: Path, *, writable: bool) -> None:
        if os.path.lexists(source):
            option = "--bind" if writable else "--ro-bind"
            self.arguments += [option, str(source), str(source)]

    def hide(self, path: Path) -> bool:
        """Cover ``path`` (an empty tmpfs over a directory, /dev/null over a file); True for a
        directory, which :meth:`seal` makes read-only once the case's files are bound in it."""
        if path.is_dir():
            self.arguments += ["--tmpfs", str(path)]
            return True
        if path.exists():
            self.arguments += ["--ro-bind", "/dev/null", str(path)]
        return False

    def seal(self, directory: Path) -> None:
        self.arguments += ["--remount-ro", str(directory)]


def _resolved(paths: Sequence[Path]) -> list[Path]:
    seen: dict[Path, None] = {}
    for path in paths:
        with contextlib.suppress(OSError):
            seen[Path(path).resolve()] = None
    return list(seen)


def bwrap_arguments(settings: IsolationSettings, workdir: Path, grants: SandboxGrants
                    ) -> list[str]:
    """The ``bwrap ... --`` prefix for one case (see the module docstring)."""
    plan = _MountPlan()
    for directory in SYSTEM_READ_ONLY:
        if os.path.islink(directory):
            plan.arguments += ["--symlink", os.readlink(directory), directory]
        else:
            plan.bind(Path(directory), writable=False)
    secret_directories = [path for path in SYSTEM_SECRETS if plan.hide(Path(path))]
    plan.arguments += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # noqa: S108 (its own, empty)
    hidden = _resolved(settings.hidden)
    granted = [(path, False) for path in _resolved(grants.read_only)] + \
        [(path, True) for path in [*_resolved(grants.writable), workdir]]
    # A granted folder that holds a hidden tree (a profile folder beside the testbed) is bound
    # before the hiding, so the tree stays covered; every other grant goes on top of it.
    broad = [(path, writable) for path, writable in granted
             if any(tree.is_relative_to(path) for tree in hidden)]
    for root in [*_python_roots(), KYSO_ROOT, *_resolved(settings.extra_read_only)]:
        plan.bind(root, writable=False)
    for path, writable in broad:
        plan.bind(path, writable=writable)
    covered = [tree for tree in hidden if plan.hide(tree)]
    for path, writable in granted:
        if (path, writable) not in broad:
            plan.bind(path, writable=writable)
    # sealed after the binds: their mount points are made in the tmpfs
    for directory in [*secret_directories, *covered]:
        plan.seal(Path(directory))
    return ["bwrap", "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID),
            "--hostname", "kyso-sut", "--die-with-parent", "--as-pid-1",
            *plan.arguments, "--chdir", str(workdir), "--"]


__all__ = ["KYSO_ROOT", "SANDBOX_UID", "X11_SOCKETS", "IsolationSettings", "SandboxGrants",
           "bubblewrap_problem", "bwrap_arguments", "current_isolation", "describe",
           "isolation_scope", "named_paths", "strace_path"]
