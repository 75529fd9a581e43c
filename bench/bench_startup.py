"""Start-up: from launch to the login screen painted in a pty, as a ratio to a bare Textual app
painting one label, measured in the same run (aim ≤ 2×)."""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
BARE_APP = """
from textual.app import App
from textual.widgets import Label
class Bare(App):
    def compose(self):
        yield Label("Scan your badge")
Bare().run()
"""


def time_to_paint(argv: list[str], marker: bytes, env: dict[str, str]) -> float:
    """Seconds from spawn until `marker` appears on the pty's screen output."""
    main_fd, child_fd = pty.openpty()
    os.set_blocking(main_fd, False)
    start = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, close_fds=True
    )
    os.close(child_fd)
    seen = b""
    try:
        while marker not in seen:
            if time.perf_counter() - start > 30:
                raise TimeoutError(f"{marker!r} never painted by {argv}")
            ready, _, _ = select.select([main_fd], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(main_fd, 65536)
                except OSError:
                    break
        return time.perf_counter() - start
    finally:
        process.kill()
        process.wait()
        os.close(main_fd)


def main() -> None:
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "startup.db")
        app_argv = [sys.executable, "-m", "warehouse_tui", "--db", db, "--station", "BENCH"]
        bare_argv = [sys.executable, "-c", BARE_APP]
        create = [sys.executable, "-m", "warehouse_tui", "db", "upgrade", "--create", "--db", db]
        subprocess.run(create, check=True, capture_output=True)
        time_to_paint(app_argv, b"badge", env)  # first run warms the caches; not counted
        app_times, bare_times = [], []
        for _ in range(RUNS):
            bare_times.append(time_to_paint(bare_argv, b"badge", env))
            app_times.append(time_to_paint(app_argv, b"badge", env))
    app_s, bare_s = statistics.median(app_times), statistics.median(bare_times)
    print(
        f"startup: login painted {app_s * 1000:.0f} ms, bare Textual label {bare_s * 1000:.0f} ms"
        f" → ratio {app_s / bare_s:.2f}× (aim ≤ 2×; medians of {RUNS})"
    )


if __name__ == "__main__":
    main()
