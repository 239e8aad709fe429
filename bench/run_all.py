"""Runs every benchmark in turn (``make bench``)."""

from __future__ import annotations

import importlib

BENCHMARKS = ["bench.bench_testbed", "bench.bench_ocsp_openssl", "bench.bench_tokens",
              "bench.bench_sandbox",
              "bench.bench_runner", "bench.bench_services", "bench.bench_startup",
              "bench.bench_registry", "bench.bench_large_crl"]


def main() -> None:
    for name in BENCHMARKS:
        print(f"== {name}")
        importlib.import_module(name).main()


if __name__ == "__main__":
    main()
