"""Start-up, as an operator and as a script meet it, each beside the limit it is compared with.

1. The app in a pty at 80x24: launch → the login screen painted (its first paint), as a ratio
   to a bare Textual app painting one label (aim ≤ 2×); then a badge scanned (one burst, as a
   wedge scanner types it) → the home screen painted, twice: scanned the moment the login shows
   (the database still opening behind it: the worst case) and scanned SETTLE_S later, as an
   operator reaching for the scanner does (the database open: every log-in after the first).
   Launch → home is shown too: what a picker waits for at the start of a shift. These have no
   aim; the bare app's second screen (no database) is printed beside them for scale.
2. The read-only commands scripts call — `status --json` and `order show ORDER --json` on a
   database, `barcode inspect CODE --json` (how a scanner's string reads, no database) and
   `route plan SPEC.json --json` — from launch to exit, as a ratio to `python -c 'import
   sqlite3'` (aim ≤ 5×).

Medians of RUNS, the app and its limit taken in turn.
`python -m bench.bench_startup [--commands-only]` (only part 2)
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.common import load

RUNS = 7
PAINT_AIM, COMMAND_AIM = 2.0, 5.0
SETTLE_S = 1.5
BADGE = "OP-4315958734"
BARE_APP = """
from textual.app import App
from textual.screen import Screen
from textual.widgets import Label
class Home(Screen):
    def compose(self):
        yield Label("Home screen")
class Bare(App):
    typed = []
    def compose(self):
        yield Label("Scan your badge")
    def on_key(self, event):
        if event.key == "enter":
            self.push_screen(Home())
        elif event.character and event.is_printable:
            self.typed.append(event.character)
Bare().run()
"""
ROUTE_SPEC = {
    "layout": {"aisles": 12, "aisle_length": 30, "aisle_spacing": 3, "depot_aisle": 0},
    "picks": [{"aisle": 2, "position": 5}, {"aisle": 7, "position": 22}],
    "method": "best",
}


class Pty:
    """A program on its own 80x24 pty, timed from its spawn."""

    def __init__(self, argv: list[str]) -> None:
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
        self.fd, child = pty.openpty()
        os.set_blocking(self.fd, False)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=child, stdout=child, stderr=child, env=env, close_fds=True
        )
        os.close(child)
        self.seen = b""

    def wait_for(self, marker: bytes) -> float:
        """The moment `marker` is on the screen output since the last `type`."""
        while marker not in self.seen:
            if time.perf_counter() - self.started > 30:
                raise TimeoutError(f"{marker!r} never painted; last output {self.seen[-300:]!r}")
            if select.select([self.fd], [], [], 0.5)[0]:
                try:
                    self.seen += os.read(self.fd, 65536)
                except OSError:
                    break
        return time.perf_counter()

    def type(self, keys: str) -> float:
        self.seen = b""
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.fd)


def app_start(
    argv: list[str], paint: bytes, home: bytes, settle_s: float = 0.0
) -> tuple[float, float, float]:
    """Launch → first paint, badge burst (`settle_s` after the paint) → home painted, launch →
    home."""
    terminal = Pty(argv)
    try:
        painted = terminal.wait_for(paint)
        time.sleep(settle_s)
        sent = terminal.type(f"{BADGE}\r")
        at_home = terminal.wait_for(home)
    finally:
        terminal.close()
    return painted - terminal.started, at_home - sent, at_home - terminal.started


def run_time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def warehouse(db: Path) -> None:
    """A migrated database with a packer (badge BADGE) and one order."""
    from warehouse_tui.store.engine import Store
    from warehouse_tui.store.migrate import upgrade

    store = Store(str(db))
    upgrade(store)
    store.dispose()
    now = datetime.now(UTC).isoformat(sep=" ")
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute(
        "INSERT INTO operator (id, badge, name, pin_hash, role, language, active)"
        " VALUES (5, ?, 'Bench Packer', '-', 'packer', 'en', 1)",
        (BADGE,),
    )
    connection.execute(
        "INSERT INTO orders (id, shop, shop_order_id, shop_version, buyer_id, buyer_name,"
        " buyer_tags, ship_name, ship_address1, ship_address2, ship_city, ship_region,"
        " ship_postcode, ship_country, ship_phone, carrier, service, priority, status,"
        " hold_reason, merge_group, no_merge, pack_instructions, intercepted, imported_at,"
        " updated_at) VALUES (1, 'WEB', 'W1', 1, 'B', 'Buyer', '[]', 'Buyer', 'Street 1', '',"
        " 'Berlin', '', '10115', 'DE', '', 'DHL', 'PAKET', 0, 'ready', '', NULL, 0, '', 0, ?, ?)",
        (now, now),
    )
    connection.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands-only", action="store_true", help="only the commands")
    args = parser.parse_args(argv)
    print(f"startup: {load()}")
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = folder / "startup.db"
        warehouse(db)
        spec = folder / "route.json"
        spec.write_text(json.dumps(ROUTE_SPEC))
        app_argv = [sys.executable, "-m", "warehouse_tui", "--db", str(db), "--station", "BENCH"]
        bare_argv = [sys.executable, "-c", BARE_APP]
        app: list[tuple[float, float, float]] = []
        bare: list[tuple[float, float, float]] = []
        settled: list[float] = []  # badge → home, the database open
        if not args.commands_only:
            app_start(app_argv, b"badge", b"Pack station")  # warm-up: caches, bytecode
        for _ in range(0 if args.commands_only else RUNS):
            bare.append(app_start(bare_argv, b"badge", b"Home screen"))
            app.append(app_start(app_argv, b"badge", b"Pack station"))
            settled.append(app_start(app_argv, b"badge", b"Pack station", SETTLE_S)[1])
        cli = [sys.executable, "-m", "warehouse_tui"]
        with_db = [*cli, "--db", str(db)]
        commands = {
            "status --json": [*with_db, "status", "--json"],
            "order show 1 --json": [*with_db, "order", "show", "1", "--json"],
            "barcode inspect CODE --json": [*cli, "barcode", "inspect", "4006381333931", "--json"],
            "route plan SPEC.json --json": [*cli, "route", "plan", str(spec), "--json"],
        }
        baseline = [sys.executable, "-c", "import sqlite3"]
        times: dict[str, list[float]] = {name: [] for name in ("import sqlite3", *commands)}
        for argv in commands.values():
            run_time(argv, env)  # warm-up
        for _ in range(RUNS):
            times["import sqlite3"].append(run_time(baseline, env))
            for name, argv in commands.items():
                times[name].append(run_time(argv, env))
    median = {name: statistics.median(values) for name, values in times.items()}
    ms = 1000
    result: dict[str, object] = {"bench": "startup"}
    if app:
        result.update(app_figures(app, bare, settled))
    base = median["import sqlite3"]
    print(
        f"read-only commands, launch → exit, against python -c 'import sqlite3' {base * ms:.0f} ms:"
    )
    result["import_sqlite3_ms"] = round(base * ms)
    for name in commands:
        ratio = median[name] / base
        print(f"  {name:28} {median[name] * ms:5.0f} ms → {ratio:.1f}× (aim ≤ {COMMAND_AIM:g}×)")
        result[name] = {"ms": round(median[name] * ms), "ratio": round(ratio, 1)}
    print(json.dumps(result))


def app_figures(
    app: list[tuple[float, float, float]],
    bare: list[tuple[float, float, float]],
    settled: list[float],
) -> dict[str, object]:
    """Print the app's start-up beside the bare app's; the figures for the JSON line."""
    paint, home, launch_home = (statistics.median(run[k] for run in app) for k in range(3))
    bare_paint, bare_home, _bare = (statistics.median(run[k] for run in bare) for k in range(3))
    home_settled = statistics.median(settled)
    ms = 1000
    print(
        f"startup in a pty at 80x24 (medians of {RUNS}):\n"
        f"  login painted {paint * ms:.0f} ms, bare Textual label {bare_paint * ms:.0f} ms"
        f" → {paint / bare_paint:.2f}× (aim ≤ {PAINT_AIM:g}×)\n"
        f"  badge → home screen painted: scanned as the login shows {home * ms:.0f} ms,"
        f" {SETTLE_S:g} s later (database open) {home_settled * ms:.0f} ms;"
        f" launch → home {launch_home * ms:.0f} ms (no aim; a bare app with no database"
        f" shows its second screen in {bare_home * ms:.0f} ms)"
    )
    return {
        "login_paint_ms": round(paint * ms),
        "bare_paint_ms": round(bare_paint * ms),
        "badge_to_home_ms": round(home * ms),
        "badge_to_home_database_open_ms": round(home_settled * ms),
        "bare_to_second_screen_ms": round(bare_home * ms),
        "launch_to_home_ms": round(launch_home * ms),
    }


if __name__ == "__main__":
    main()
