"""strace's lines read as attempts: what is denied, what reached for a hidden tree, what wrote
outside; the ordinary lookups of a program (a missing file in its own folder, a library
search, /dev/null) are not attempts."""

from __future__ import annotations

from conformance.sut.process.sandbox.access_trace import KEPT_PER_KIND, read_trace

WORKDIR, OUT = "/out/runs/s/work/step-1/sut", "/out"


def _kinds(trace: str) -> list[tuple[str, str]]:
    report = read_trace(trace.encode(), workdir=WORKDIR, writable=[WORKDIR], hidden=[OUT],
                        readable=["/out/runs/s/artifacts/in.pdf"])
    return [(attempt.kind, attempt.path) for attempt in report.attempts]


def test_each_kind_of_attempt_is_told_apart_from_ordinary_calls() -> None:
    trace = "\n".join([
        '7 openat(AT_FDCWD, "/etc/x", O_WRONLY|O_CREAT|O_TRUNC, 0666) = -1 EROFS (Read-only '
        'file system)',
        '7 openat(AT_FDCWD, "/out/runs/s/testbed/registry.json", O_RDONLY) = -1 ENOENT (No '
        'such file or directory)',
        '7 openat(AT_FDCWD, "/proc/4242/environ", O_RDONLY) = -1 ENOENT (No such file)',
        '7 openat(AT_FDCWD, "/tmp/x", O_WRONLY|O_CREAT, 0666) = 3</tmp/x>',
        '7 openat(AT_FDCWD, "pyhanko.yml", O_RDONLY) = -1 ENOENT (No such file or directory)',
        '7 openat(AT_FDCWD, "/usr/lib/libfoo.so", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file)',
        '7 openat(AT_FDCWD, "/dev/null", O_WRONLY) = 3</dev/null>',
        '7 openat(AT_FDCWD, "out.log", O_WRONLY|O_CREAT, 0666) = 3',
        '7 openat(AT_FDCWD, "/ro/__pycache__/m.pyc", O_WRONLY|O_CREAT, 0644) = -1 EROFS (x)',
        '7 mkdir("/ro/__pycache__", 0777) = -1 EROFS (Read-only file system)',
        '7 mkdir("../escape", 0777) = 0',
    ])
    assert _kinds(trace) == [
        ("denied", "/etc/x"), ("hidden", "/out/runs/s/testbed/registry.json"),
        ("hidden", "/proc/4242/environ"), ("outside", "/tmp/x"),
        ("outside", "/out/runs/s/work/step-1/escape")]


def test_interleaved_halves_are_joined_and_directory_fds_are_followed() -> None:
    trace = "\n".join([
        '8 openat(AT_FDCWD, "/out/runs/s/keys/ca.key.pem", O_RDONLY <unfinished ...>',
        '9 openat(3</tmp/dir>, "planted", O_WRONLY|O_CREAT, 0600) = 4</tmp/dir/planted>',
        '8 <... openat resumed>) = -1 ENOENT (No such file or directory)',
    ])
    assert _kinds(trace) == [("outside", "/tmp/dir/planted"),
                             ("hidden", "/out/runs/s/keys/ca.key.pem")]


def test_a_flood_of_attempts_is_counted_whole_and_kept_in_part() -> None:
    line = '7 openat(AT_FDCWD, "/etc/x{}", O_WRONLY|O_CREAT, 0666) = -1 EROFS (x)'
    report = read_trace("\n".join(line.format(n) for n in range(500)).encode(),
                        workdir=WORKDIR, writable=[WORKDIR], hidden=[OUT])
    assert dict(report.counts) == {"denied": 500}
    assert len(report.attempts) == KEPT_PER_KIND
