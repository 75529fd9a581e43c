"""`warehouse-tui serve` in Debian's headless chromium: a supervisor logs in by ID and PIN (the
journal names the browser's peer address), opens the board, and a commit by another process
reaches the page over the websocket. And the log-in rules of a browser session, in the service:
a badge alone is not enough, and only supervisors and admins get in."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.apphelpers import add_operators
from tests.support.desk import NEW_ORDER, NEW_WAVE
from warehouse_tui.screens.registry import screens_for
from warehouse_tui.services.auth import LoginRefusal, login_with_badge, login_with_pin
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import Journal

WEB = "web:192.0.2.7"


def test_a_browser_session_takes_a_pin_and_a_supervisor(store: Store) -> None:
    add_operators(store)
    alone = login_with_badge(store, WEB, "OP-1000000003", scanned=True)
    assert alone.refusal is LoginRefusal.NEEDS_PIN
    picker = login_with_pin(store, WEB, 1, "1111")
    assert picker.refusal is LoginRefusal.NOT_SUPERVISOR
    supervisor = login_with_pin(store, WEB, 3, "3333")
    assert supervisor.accepted
    with store.read() as session:
        rows = session.exec(select(Journal).where(Journal.action == "login")).all()
    assert [(row.operator_id, row.accepted, row.station) for row in rows] == [
        (3, False, WEB),
        (1, False, WEB),
        (3, True, WEB),
    ]
    # on a floor terminal the same badge logs in alone, and a picker logs in
    assert login_with_badge(store, "HH-1", "OP-1000000001", scanned=True).accepted


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(name="served")
def served_fixture(tmp_path: Path) -> Iterator[tuple[Store, int]]:
    path = tmp_path / "floor.db"
    store = Store(str(path))
    upgrade(store)
    add_operators(store)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "warehouse_tui", "--db", str(path), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield store, port
    finally:
        server.terminate()
        server.wait(timeout=10)
        store.dispose()


def chromium():  # type: ignore[no-untyped-def]
    """Debian's headless chromium through its chromedriver; skipped without them, except under
    CI, where the browser test must run."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if browser is None or driver is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium and chromium-driver are missing: .ci/run installs them")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,700"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(driver), options=options)


def wait_for(check, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def logged_in_from_the_browser(store: Store) -> bool:
    with store.read() as session:
        rows = session.exec(
            select(Journal).where(Journal.action == "login", Journal.accepted)
        ).all()
    return any(row.operator_id == 3 and row.station == "web:127.0.0.1" for row in rows)


def test_serve_logs_in_and_the_board_follows_a_commit(served: tuple[Store, int]) -> None:
    store, port = served
    browser = chromium()
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    def keys(*sequence: str) -> None:
        ActionChains(browser).send_keys(*sequence).perform()
        time.sleep(0.3)

    try:
        browser.get(f"http://127.0.0.1:{port}")
        time.sleep(4)  # the page, its websocket and the session's app process
        keys(Keys.TAB, "3", Keys.ENTER)
        keys("3333", Keys.ENTER)
        assert wait_for(lambda: logged_in_from_the_browser(store), 15)
        time.sleep(1)
        board = [entry.key for entry in screens_for("supervisor")].index("board")
        keys(*([Keys.DOWN] * board), Keys.ENTER)
        time.sleep(2)
        before = browser.get_screenshot_as_png()
        time.sleep(1)
        assert browser.get_screenshot_as_png() == before  # a still floor: a still page
        with store.write() as session:
            session.execute(text(NEW_WAVE))
            session.execute(text(NEW_ORDER))
        # The 1 s figure is the board test's; here the browser, the page and the session's app
        # share a loaded machine with the rest of the suite, so the update only has to arrive.
        assert wait_for(lambda: browser.get_screenshot_as_png() != before, 15)
    finally:
        browser.quit()
