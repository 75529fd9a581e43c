"""`warehouse-tui sync` as an operator runs it: one JSON line per shop, exit codes, status, dead,
retry and discard; goods in reaching both shops with nothing dead; and no credential anywhere
after refusals, 500s, timeouts and resets — not in the database (outbox errors and journal
included), not on stdout or stderr (logs go there)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.shops import FakeShopify, FakeWoo, sentinel
from tests.support.sync import returned, ship, shipped, stock_now
from warehouse_tui.store.engine import Store
from warehouse_tui.sync.connector import AuthError
from warehouse_tui.sync.credentials import load_credentials

TOKEN = sentinel("cli-shopify-token")
KEY, SECRET = sentinel("cli-woo-key"), sentinel("cli-woo-secret")
SECRETS = (TOKEN, KEY, SECRET)
REPORT_KEYS = (
    "shop",
    "kind",
    "pulled",
    "imported",
    "unchanged",
    "rejected",
    "returns",
    "delivered",
    "failed",
    "dead",
    "backlog",
)


def cli(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warehouse_tui", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def new_database(tmp_path: Path) -> Path:
    """A migrated, empty database, made as an operator would make one."""
    db = tmp_path / "floor.db"
    made = cli(db, "db", "upgrade", "--create", env={})
    assert made.returncode == 0, made.stderr
    return db


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def database_text(db: Path) -> str:
    connection = sqlite3.connect(db)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def shops(tmp_path: Path):  # type: ignore[no-untyped-def]
    spy, woo = FakeShopify(TOKEN), FakeWoo(KEY, SECRET)
    yield spy, woo
    spy.close()
    woo.close()


@pytest.mark.slow
def test_sync_once_survives_every_fault_and_leaks_no_credential(tmp_path: Path, shops) -> None:  # type: ignore[no-untyped-def]
    spy, woo = shops
    db = new_database(tmp_path)
    credentials = tmp_path / "shops.toml"
    credentials.write_text(f'[WOO]\nKEY = "{KEY}"\nSECRET = "{SECRET}"\n')
    credentials.chmod(0o600)
    env = {"WAREHOUSE_SHOP_SPY_TOKEN": TOKEN, "WAREHOUSE_SHOPS_FILE": str(credentials)}
    assert (
        cli(
            db,
            "sync",
            "connect",
            "SPY",
            "--kind",
            "shopify",
            "--url",
            spy.url,
            "--location",
            "71",
            "--timeout-s",
            "2",
            env=env,
        ).returncode
        == 0
    )
    assert (
        cli(
            db,
            "sync",
            "connect",
            "WOO",
            "--kind",
            "woocommerce",
            "--url",
            woo.url,
            "--timeout-s",
            "2",
            env=env,
        ).returncode
        == 0
    )
    spy_order = spy.add_order("1001", [("MUG", 1)], name="Zoë 王")
    woo_order = woo.add_order([("TEA", 2)])

    first = cli(db, "sync", "--once", "--json", env=env)
    assert first.returncode == 0, first.stderr
    reports = {line["shop"]: line for line in lines(first.stdout)}
    assert list(reports["SPY"]) == list(REPORT_KEYS)
    assert reports["SPY"]["imported"] == 1 and reports["WOO"]["imported"] == 1

    store = Store(str(db))
    ship(store, "SPY", spy_order, "1ZCLI0001")
    ship(store, "WOO", str(woo_order), "JJDCLI0001")
    store.dispose()
    outputs = []
    for shop in (spy, woo):
        shop.faults.add("500")
        shop.faults.add("delay", seconds=3.0)
        shop.faults.add("reset")
        shop.faults.add("drop")
        shop.faults.add("401")
    for _ in range(7):
        run = cli(db, "sync", "--once", "--json", env=env)
        outputs.append(run.stdout + run.stderr)
        assert run.returncode in (0, 1)
        if run.returncode == 1:  # the forced 401: the setting is named
            assert (
                "WAREHOUSE_SHOP_SPY_TOKEN" in run.stderr or "WAREHOUSE_SHOP_WOO_KEY" in run.stderr
            )
    everything = "\n".join(outputs) + database_text(db)
    assert "HTTP 401" in everything and "HTTP 500" in everything and "did not answer" in everything
    for secret in SECRETS:
        assert secret not in everything

    status = lines(cli(db, "sync", "status", "--json", env=env).stdout)
    assert {line["shop"] for line in status} == {"SPY", "WOO"}
    assert all("backlog" in line and "dead" in line for line in status)


def test_missing_credentials_exit_1_naming_the_setting(tmp_path: Path, shops) -> None:  # type: ignore[no-untyped-def]
    spy, _woo = shops
    db = new_database(tmp_path)
    env = {"WAREHOUSE_SHOPS_FILE": str(tmp_path / "none.toml")}
    cli(
        db,
        "sync",
        "connect",
        "SPY",
        "--kind",
        "shopify",
        "--url",
        spy.url,
        "--location",
        "71",
        env=env,
    )
    run = cli(db, "sync", "--once", "--json", env=env)
    assert run.returncode == 1
    assert "WAREHOUSE_SHOP_SPY_TOKEN" in run.stderr


def test_dead_events_are_listed_retried_and_discarded(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    (inbox / "a.jsonl").write_text(
        json.dumps(
            {
                "shop": "WEB",
                "shop_order_id": "7",
                "ship_to": {
                    "name": "Ada",
                    "address1": "1 Road",
                    "city": "Oslo",
                    "postcode": "0150",
                    "country": "NO",
                },
                "carrier": "UPS",
                "lines": [{"sku": "MUG", "qty": 1}],
            }
        )
        + "\n"
    )
    env: dict[str, str] = {}
    cli(
        db,
        "sync",
        "connect",
        "WEB",
        "--kind",
        "file",
        "--inbox",
        str(inbox),
        "--outbox",
        str(outbox),
        env=env,
    )
    assert lines(cli(db, "sync", "--once", "--json", env=env).stdout)[0]["imported"] == 1
    store = Store(str(db))
    ship(store, "WEB", "7", "1ZFILE")
    store.dispose()
    outbox.write_text("not a folder")  # the shop cannot take the event
    cli(db, "settings", "set", "outbox_max_attempts", "1", env=env)
    report = lines(cli(db, "sync", "--once", "--json", env=env).stdout)[0]
    assert (report["failed"], report["dead"]) == (1, 1)
    [dead] = lines(cli(db, "sync", "dead", "--json", env=env).stdout)
    assert dead["order"] == "WEB:7" and dead["attempts"] == 1

    outbox.unlink()
    assert lines(cli(db, "sync", "retry", str(dead["id"]), "--json", env=env).stdout) == [
        {"retried": [dead["id"]]}
    ]
    report = lines(cli(db, "sync", "--once", "--json", env=env).stdout)[0]
    assert report["delivered"] == 1 and report["backlog"] == 0
    [written] = outbox.iterdir()
    assert json.loads(written.read_text())["payload"]["tracking_numbers"] == ["1ZFILE"]
    refused = cli(db, "sync", "discard", str(dead["id"]), "--reason", "sent by hand", env=env)
    assert refused.returncode == 1 and "no pending or dead event" in refused.stderr
    assert cli(db, "sync", "retry", "999", env=env).returncode == 1


def test_a_credentials_file_others_may_read_is_refused_by_its_path(tmp_path: Path) -> None:
    path = tmp_path / "shops.toml"
    path.write_text(f'[WOO]\nKEY = "{KEY}"\n')
    path.chmod(0o640)
    with pytest.raises(AuthError) as refused:
        load_credentials("WOO", {"WAREHOUSE_SHOPS_FILE": str(path)})
    assert str(path) in str(refused.value) and KEY not in str(refused.value)
    path.chmod(0o600)
    assert load_credentials("WOO", {"WAREHOUSE_SHOPS_FILE": str(path)}).require("KEY") == KEY
    environment = {"WAREHOUSE_SHOPS_FILE": str(path), "WAREHOUSE_SHOP_WOO_KEY": "from-env"}
    assert load_credentials("WOO", environment).require("key") == "from-env"


def test_watch_holds_the_lease_and_stops_on_sigterm(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    inbox = tmp_path / "in"
    inbox.mkdir()
    env = {"PYTHONUNBUFFERED": "1"}
    cli(
        db,
        "sync",
        "connect",
        "WEB",
        "--kind",
        "file",
        "--inbox",
        str(inbox),
        "--outbox",
        str(tmp_path / "out"),
        env=env,
    )
    watcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warehouse_tui",
            "--db",
            str(db),
            "sync",
            "--watch",
            "--interval",
            "1",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert watcher.stdout is not None
        first = json.loads(watcher.stdout.readline())
        assert first["shop"] == "WEB"
        second = cli(db, "sync", "--once", env=env)
        assert second.returncode == 1 and "another sync worker" in second.stderr
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(30) == 0
    finally:
        watcher.kill()
    assert cli(db, "sync", "--once", env=env).returncode == 0  # the lease was given back


def test_connect_keeps_the_ca_file_and_refuses_one_that_is_not_there(tmp_path: Path) -> None:
    db = new_database(tmp_path)
    url = "https://shop.example"
    missing = cli(db, "sync", "connect", "WOO", "--kind", "woocommerce", "--url", url,
                  "--ca-file", str(tmp_path / "none.pem"), env={})  # fmt: skip
    assert missing.returncode == 1 and "--ca-file" in missing.stderr + missing.stdout
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    made = cli(db, "sync", "connect", "WOO", "--kind", "woocommerce", "--url", url,
               "--ca-file", str(tmp_path / "ca.pem"), "--json", env={})  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert lines(made.stdout) == [
        {"shop": "WOO", "kind": "woocommerce", "url": url, "ca_file": str(tmp_path / "ca.pem")}
    ]


def test_goods_in_reach_both_shops_and_nothing_goes_dead(tmp_path: Path, shops) -> None:  # type: ignore[no-untyped-def]
    spy, woo = shops
    db = new_database(tmp_path)
    env = {
        "WAREHOUSE_SHOP_SPY_TOKEN": TOKEN,
        "WAREHOUSE_SHOP_WOO_KEY": KEY,
        "WAREHOUSE_SHOP_WOO_SECRET": SECRET,
        "WAREHOUSE_SHOPS_FILE": "/nonexistent/shops.toml",
    }
    for code, *settings in (
        ("SPY", "--kind", "shopify", "--url", spy.url, "--location", "71"),
        ("WOO", "--kind", "woocommerce", "--url", woo.url),
    ):
        assert cli(db, "sync", "connect", code, *settings, env=env).returncode == 0
    spy.add_variant("MUG", 0)
    woo.add_product("MUG", 0)
    order_id = spy.add_order("1001", [("MUG", 2)])
    cli(db, "sync", "--once", "--json", env=env)
    store = Store(str(db))
    shipped(store, "SPY", order_id)
    name = spy.open_return(order_id, [("MUG", 1, "DEFECTIVE")])
    [spy_report, _woo] = lines(cli(db, "sync", "--once", "--json", env=env).stdout)
    assert spy_report["returns"] == 1  # announced through the returns import

    returned(store, "SPY", order_id, [("MUG", "resaleable")], rma=name)
    stock_now(store, "SPY", "MUG", 6)  # announced to every shop
    store.dispose()
    ran = cli(db, "sync", "--once", env=env)
    spy_line = ran.stdout.splitlines()[0]
    assert ran.returncode == 0 and spy_line.startswith("SPY (shopify)")
    assert "0 returns announced; 2 delivered, 0 failed, 0 dead" in spy_line  # known already
    assert spy.processed == [(name, 1)]
    assert spy.stock_sets == [("MUG", 6)] and woo.stock_sets == [("MUG", 6)]
    assert lines(cli(db, "sync", "dead", "--json", env=env).stdout) == []
