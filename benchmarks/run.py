"""Run the benchmarks: every ``benchmarks/bench_*.py``, or only the ones named.

``python benchmarks/run.py [NAME ...]`` (``make bench``, ``make bench ONLY=startup``). Each
benchmark runs as its own process so that one cannot warm caches for the next, and prints
one or more ``BENCH <name>: key=value ...`` lines. The exit code is non-zero when any
benchmark fails or a named one does not exist.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> dict[str, Path]:
    # Named as in their BENCH lines: bench_ui_latency.py is "ui-latency".
    return {
        p.stem.removeprefix("bench_").replace("_", "-"): p for p in sorted(HERE.glob("bench_*.py"))
    }


def main(names: list[str]) -> int:
    benches = available()
    names = [n.replace("_", "-") for n in names]
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(benches)}")
        return 2
    failed: list[str] = []
    for name in names or list(benches):
        print(f"--> {name}", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(benches[name])], check=False)
        elapsed = time.monotonic() - started
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"<-- {name}: {status} in {elapsed:.1f}s", flush=True)
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
