"""A UI driver for the toy ws-oneshot service: answers its first PIN dialog with the PIN read
from a file (``toy_ui_driver.py BASE_URL PIN_FILE``). Standard library only."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path


def main() -> int:
    base = sys.argv[1].replace("ws://", "http://", 1).replace("wss://", "https://", 1)
    pin = Path(sys.argv[2]).read_text(encoding="utf-8").strip()
    print(f"driver: watching {base}/ui/pending", flush=True)
    for _ in range(300):
        with urllib.request.urlopen(f"{base}/ui/pending", timeout=5) as reply:  # noqa: S310
            dialogs = json.load(reply)
        if dialogs:
            body = json.dumps({"id": dialogs[0]["id"], "pin": pin}).encode()
            request = urllib.request.Request(  # noqa: S310 (the toy's own loopback URL)
                f"{base}/ui/answer", data=body, method="POST",
                headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310
                # the PIN printed on purpose: kyso must redact the driver's output
                print(f"driver: answered dialog {dialogs[0]['id']} (PIN {pin})", flush=True)
            return 0
        time.sleep(0.1)
    return 1


if __name__ == "__main__":
    sys.exit(main())
