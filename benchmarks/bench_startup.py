"""BENCH startup: how long the demo network takes until every process answers /health.

Starts ``python -m zicht.devtools.demo`` twice against the same fresh var directory in a
temporary directory: the first ("cold") start has to migrate and set up every instance, the
second ("warm") start reuses them. Each time counts from launch until every /health returns
200, measured from outside. ``NODES`` (default 3) sets the network size; ``BENCH_BASE_PORT``
(default 18000) keeps it clear of a running ``make demo``.

Prints ``BENCH startup: cold_seconds=... warm_seconds=... processes=...``.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 300.0


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_and_time(nodes: int, base_port: int, var_dir: Path) -> float:
    ports = [base_port + offset for offset in range(nodes + 1)]
    env = dict(os.environ, ZICHT_VAR_DIR=str(var_dir))
    log = (var_dir.parent / "launcher.log").open("ab")
    started = time.monotonic()
    launcher = subprocess.Popen(
        [sys.executable, "-m", "zicht.devtools.demo", "--nodes", str(nodes),
         "--base-port", str(base_port)],
        env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        pending = set(ports)
        while pending:
            if launcher.poll() is not None:
                raise RuntimeError(
                    f"demo launcher exited with {launcher.returncode}; see {log.name}"
                )
            if time.monotonic() - started > TIMEOUT_SECONDS:
                raise RuntimeError(f"ports {sorted(pending)} not healthy after {TIMEOUT_SECONDS}s")
            pending = {port for port in pending if not healthy(port)}
            if pending:
                time.sleep(0.1)
        return time.monotonic() - started
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.wait()
        log.close()


def main() -> int:
    nodes = int(os.environ.get("NODES", "3"))
    base_port = int(os.environ.get("BENCH_BASE_PORT", "18000"))
    with tempfile.TemporaryDirectory(prefix="zicht-bench-startup-") as tmp:
        var_dir = Path(tmp) / "var"
        try:
            cold = start_and_time(nodes, base_port, var_dir)
            warm = start_and_time(nodes, base_port, var_dir)
        except RuntimeError as exc:
            print(f"bench_startup: {exc}", file=sys.stderr)
            print((Path(tmp) / "launcher.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            return 1
    print(f"BENCH startup: cold_seconds={cold:.2f} warm_seconds={warm:.2f} processes={nodes + 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
