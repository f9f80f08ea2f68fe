"""Make sure Debian's Chromium is installed for the browser tests; print its path.

``python -m zicht.devtools.chromium ensure``. The browser tests drive the system Chromium
through Playwright rather than Playwright's own download, so CI needs only the Debian
mirror. As root on a Debian-like system a missing Chromium is installed with apt-get; anyone
else is told what to install or which variable to set.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
ENV_OVERRIDE = "ZICHT_CHROMIUM"
# apt-get waits this long for another apt/dpkg run (an unattended upgrade, say) to finish.
APT_LOCK_TIMEOUT_SECONDS = 900


class ChromiumError(Exception):
    """Chromium is missing and cannot be installed from here; the message says what to do."""


def find() -> Path | None:
    if override := os.environ.get(ENV_OVERRIDE):
        return Path(override) if Path(override).is_file() else None
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def _apt_get(*args: str) -> None:
    command = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT_SECONDS}", *args]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        raise ChromiumError(f"`{' '.join(command)}` failed with exit code {result.returncode}")


def ensure() -> Path:
    if (path := find()) is not None:
        return path
    if os.environ.get(ENV_OVERRIDE):
        raise ChromiumError(f"{ENV_OVERRIDE}={os.environ[ENV_OVERRIDE]!r} is not a file")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ChromiumError(
            "Chromium is not installed. On Debian/Ubuntu run `sudo apt-get install chromium`; "
            f"elsewhere install Chromium and set {ENV_OVERRIDE}=/path/to/chromium."
        )
    print("Chromium is missing; installing it with apt-get ...", file=sys.stderr, flush=True)
    _apt_get("update", "-q")
    _apt_get("install", "-y", "-q", "--no-install-recommends", "chromium")
    if (path := find()) is None:
        raise ChromiumError("apt-get installed chromium but no chromium binary was found")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Find or install Chromium for browser tests.")
    parser.add_argument("action", choices=["ensure", "path"], help="path: only look, never install")
    args = parser.parse_args(argv)
    try:
        path = ensure() if args.action == "ensure" else find()
    except ChromiumError as exc:
        print(f"chromium: {exc}", file=sys.stderr)
        return 1
    if path is None:
        print("chromium: not installed", file=sys.stderr)
        return 1
    # stdout carries only the path, so that callers can capture it.
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
