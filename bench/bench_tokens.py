"""Token layer timings: creating a subscriber token (C_InitToken + on-token key generation) and
one signature through PKCS#11 and the lockout module, on real SoftHSM2.

Run: ``.venv/bin/python -m bench.bench_tokens [--runs N]``. Prints min/median per operation.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pkcs11.constants import ObjectClass
from pkcs11.mechanisms import Mechanism

from testbed.tokens import SoftHsm, SubscriberKeyType, SubscriberToken

USER_PIN = "246810"
SO_PIN = "so-135790"


def _timed(action: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _report(name: str, samples: list[float]) -> None:
    print(
        f"{name:<48} min {min(samples) * 1000:8.2f} ms   "
        f"median {statistics.median(samples) * 1000:8.2f} ms   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="token creations per key type")
    parser.add_argument("--sign-runs", type=int, default=50, help="signatures per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kyso-bench-tokens-") as directory:
        start = time.perf_counter()
        softhsm = SoftHsm(Path(directory))
        softhsm.lib()
        ready = 1000 * (time.perf_counter() - start)
        print(f"{'lockout module ready + library initialised':<48} {ready:8.2f} ms")
        tokens: dict[str, SubscriberToken] = {}
        key_types: tuple[SubscriberKeyType, ...] = ("p256", "rsa2048")
        for key_type in key_types:
            samples = []
            for run in range(args.runs):
                start = time.perf_counter()
                tokens[key_type] = SubscriberToken.create(
                    softhsm,
                    label=f"bench-{key_type}-{run}",
                    key_type=key_type,
                    user_pin=USER_PIN,
                    so_pin=SO_PIN,
                )
                samples.append(time.perf_counter() - start)
            _report(f"create token + {key_type} key on token", samples)

        message = b"hop dong mua ban " * 64
        digest = hashlib.sha256(message).digest()
        for key_type, token in tokens.items():
            _report(
                f"{key_type}: sign incl. open session + C_Login",
                _timed(lambda token=token: token.sign(message), args.sign_runs),
            )
            mechanism = Mechanism.ECDSA if key_type == "p256" else Mechanism.SHA256_RSA_PKCS
            data = digest if key_type == "p256" else message
            with token.session() as session:
                key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=token.key_id)
                _report(
                    f"{key_type}: C_SignInit + C_Sign in an open session",
                    _timed(
                        lambda key=key, data=data, mechanism=mechanism: key.sign(
                            data, mechanism=mechanism
                        ),
                        args.sign_runs,
                    ),
                )


if __name__ == "__main__":
    main()
