"""A programmable misbehaving SUT: ``fake_sut.py BEHAVIOUR MARKER``.

Each behaviour is one way third-party software can go wrong (hang, crash, garbage, floods,
processes left behind, writes outside its directory, a PIN echoed in its output). MARKER is any
string; it only rides in the command line so a test can check in ``/proc`` that no process of
the fake survived (``echo-pin`` takes the PIN file there).
Standard library only: it runs under the sandbox's minimal environment.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

MEBIBYTE = 1024 * 1024


def _answer(**fields: object) -> None:
    print(json.dumps({"version": 1, **fields}), flush=True)


def _sleep_forever() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the worst case: only SIGKILL ends it
    print("sleeping", file=sys.stderr, flush=True)
    while True:
        time.sleep(60)


def _spawn_sleeper(marker: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "sleep-forever", marker])


def _orphan_setsid() -> None:
    """Double fork, the grandchild in a session of its own, still holding stdout open."""
    read_end, write_end = os.pipe()
    intermediate = os.fork()
    if intermediate == 0:
        os.setsid()
        if os.fork() == 0:
            os.write(write_end, f"{os.getpid()} {os.getsid(0)}".encode())
            os.close(write_end)
            _sleep_forever()
        os._exit(0)
    os.waitpid(intermediate, 0)
    os.close(write_end)
    pid, session = os.read(read_end, 100).decode().split()
    _answer(grandchild=int(pid), grandchild_session=int(session), session=os.getsid(0))


def _try(action: str, attempt: object) -> str:
    """Run one snooping ``attempt``; say what happened (the test checks every one failed)."""
    try:
        attempt()  # type: ignore[operator]
    except OSError as error:
        return f"{action}: refused ({error.strerror})"
    return f"{action}: SUCCEEDED"


def _snoop(pin_file: Path) -> list[str]:
    """What a hostile program would try with the paths its case gives it: the testbed's CA
    keys, its registry (read, then rewritten), another token, kyso's own environment, a file
    planted beside the testbed and one in /tmp. SNOOP_OTHER_TOKEN and SNOOP_KYSO_PID say what
    the test knows exists; SNOOP_TMP_FILE names the /tmp file (one per test, so that tests run
    in parallel never see each other's)."""
    testbed = pin_file.parent.parent
    other = os.environ.get("SNOOP_OTHER_TOKEN", "/nonexistent-other-token")
    kyso = os.environ.get("SNOOP_KYSO_PID", "1")
    tmp_file = Path(os.environ.get("SNOOP_TMP_FILE", "/tmp/kyso-snooped.txt"))
    return [
        _try("list the CA keys", lambda: os.listdir(testbed / "keys")),
        _try("read the registry", lambda: (testbed / "registry.json").read_bytes()),
        _try("read another token's PIN", lambda: Path(other).read_bytes()),
        _try("read kyso's environment", lambda: Path(f"/proc/{kyso}/environ").read_bytes()),
        _try("rewrite the registry", lambda: (testbed / "registry.json").write_text("{}")),
        _try("plant a file beside the testbed",
             lambda: (testbed.parent / "planted.txt").write_text("x")),
        _try("write in /tmp", lambda: tmp_file.write_text("x")),
    ]


def _echo_pin(pin_file: Path) -> None:
    """Print the PIN (and the SO PIN, when it is there to read) everywhere it can."""
    pins = [pin_file.read_text().strip()]
    so_pin_file = pin_file.with_suffix(".so-pin")
    if so_pin_file.exists():
        pins.append(so_pin_file.read_text().strip())
    if os.environ.get("PIN_LOG"):  # outside kyso's output: how a test learns the PINs
        with open(os.environ["PIN_LOG"], "a", encoding="utf-8") as log:
            log.write("\n".join(pins) + "\n")
    print(f"logged in with PIN {pins[0]} (SO PIN {pins[-1]})", file=sys.stderr, flush=True)
    _answer(outcome="refused", reason=f"PIN {pins[0]} refused", warnings=pins,
            display=f"PIN: {' / '.join(pins)}")


def main(behaviour: str, marker: str) -> int:  # noqa: C901 (one branch per behaviour)
    if behaviour == "echo-json":
        request = json.loads(sys.stdin.buffer.read())
        _answer(answer="ok", received=sorted(request))
    elif behaviour == "print-env":
        _answer(env=dict(os.environ), cwd=os.getcwd(), umask=os.umask(0o077),
                fds=sorted(int(fd) for fd in os.listdir("/proc/self/fd")))
    elif behaviour == "sleep-forever":
        _sleep_forever()
    elif behaviour == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif behaviour == "kill-9":
        os.kill(os.getpid(), signal.SIGKILL)
    elif behaviour == "huge-stdout":
        block = b"x" * MEBIBYTE
        for _ in range(100):
            sys.stdout.buffer.write(block)
        sys.stdout.buffer.flush()
    elif behaviour == "invalid-json":
        print('{"version": 1, "indication": TOTAL-PASSED', flush=True)
    elif behaviour == "silent-exit-0":
        pass
    elif behaviour == "orphan-child":
        _spawn_sleeper(marker)
        _answer(answer="ok")
    elif behaviour == "orphan-setsid":
        _orphan_setsid()
    elif behaviour == "kill-supervisor":
        _spawn_sleeper(marker)
        os.kill(os.getppid(), signal.SIGKILL)
        _sleep_forever()
    elif behaviour == "write-outside":
        Path("..", f"outside-{marker}.txt").write_text("escaped\n")
        Path("/tmp", f"kyso-fake-sut-{marker}.txt").write_text("escaped\n")
        _answer(answer="ok")
    elif behaviour in ("huge-output-file", "huge-output-file-python"):
        if behaviour == "huge-output-file":  # die of SIGXFSZ like a C program, not EFBIG
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        block = b"x" * MEBIBYTE
        with open("big.bin", "wb") as output:
            for _ in range(100):
                output.write(block)
        _answer(answer="ok")
    elif behaviour == "snoop":  # MARKER is the PIN file
        tried = _snoop(Path(marker))
        print("\n".join(tried), file=sys.stderr, flush=True)
        _answer(outcome="refused", reason="snooped: " + "; ".join(tried))
    elif behaviour == "echo-pin":  # MARKER is the PIN file: the PINs go everywhere it can print
        _echo_pin(Path(marker))
    elif behaviour == "stderr-spam-then-exit-3":
        for line in range(100_000):
            print(f"noise line {line}", file=sys.stderr)
        print("fatal: the last words", file=sys.stderr, flush=True)
        return 3
    else:
        print(f"unknown behaviour {behaviour!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""))
