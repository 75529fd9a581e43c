"""Every bad --db, on every command and on the app's start: one line of reason, exit 1, never a
traceback. A path that does not exist is refused unless the command creates databases."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from tests.conftest import require_pg
from warehouse_tui.cli import app
from warehouse_tui.commands.common import printable
from warehouse_tui.store.address import DatabaseUnavailable, normalise_url
from warehouse_tui.store.engine import Store, failure_reason, open_database
from warehouse_tui.store.migrate import upgrade

runner = CliRunner()

PG_HOST = "127.0.0.1:5432"
CLOSED_PORT_URL = "postgresql://postgres@127.0.0.1:1/test"


def commands(tmp: Path) -> list[list[str]]:
    """One invocation of every command that opens a database (demo and the app apart)."""
    orders = tmp / "orders.jsonl"
    orders.write_text("")
    return [
        ["status"],
        ["db", "upgrade"],
        ["order", "show", "1"],
        ["order", "cancel", "1"],
        ["orders", "audit"],
        ["wave", "preview", "--strategy", "batch"],
        ["wave", "pause", "1"],
        ["settings", "show"],
        ["settings", "set", "cart_totes", "6"],
        ["labels", "totes", "--format", "zpl", "--out", str(tmp / "totes.zpl")],
        ["barcode", "inspect", "4006381333931"],
        ["manifest", "--carrier", "UPS", "--out", str(tmp / "m.csv")],
        ["import", "orders", str(orders)],
    ]


def bad_databases(tmp: Path) -> dict[str, tuple[str, str]]:
    """name → (--db value, words the one line of reason must hold); no server needed."""
    random_bytes = tmp / "random.db"
    random_bytes.write_bytes(bytes(range(256)) * 8)
    text = tmp / "notes.db"
    text.write_text("orders to ship today\n")
    folder = tmp / "folder.db"
    folder.mkdir()
    return {
        "random bytes": (str(random_bytes), "is not a SQLite database"),
        "text file": (str(text), "is not a SQLite database"),
        "directory": (str(folder), "is a folder, not a database file"),
        "missing folder": (str(tmp / "no-such-folder" / "floor.db"), "No folder"),
        "missing file": (str(tmp / "typo.db"), "no database at"),
        "malformed url": ("postgresql://postgres@127.0.0.1:notaport/test", "not a valid URL"),
        "unclosed ipv6": ("postgresql://[::1/test", "not a valid URL"),
        "no scheme": ("://floor", "not a valid URL"),
        "unsupported scheme": ("mysql://root@localhost/floor", "mysql:// databases are not"),
        "unsupported driver": ("postgresql+asyncpg://u@h/db", "not supported"),
        "empty": ("", "--db is empty"),
        "sqlite url without file": ("sqlite:///", "names no file"),
        "unreachable server": (CLOSED_PORT_URL, "Connection refused"),
    }


def assert_refused(result, words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr


@pytest.mark.parametrize(
    "case",
    [
        "random bytes",
        "text file",
        "directory",
        "missing folder",
        "missing file",
        "malformed url",
        "unclosed ipv6",
        "no scheme",
        "unsupported scheme",
        "unsupported driver",
        "empty",
        "sqlite url without file",
        "unreachable server",
    ],
)
def test_every_command_refuses_a_bad_db_in_one_line(tmp_path: Path, case: str) -> None:
    db, words = bad_databases(tmp_path)[case]
    for index, command in enumerate(commands(tmp_path)):
        # --db before the subcommand and on it, alternately: both are accepted everywhere
        args = ["--db", db, *command] if index % 2 else [*command, "--db", db]
        assert_refused(runner.invoke(app, args), words)
    assert not (tmp_path / "typo.db").exists()


def test_a_refusal_is_json_too_with_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "--json", "--db", str(tmp_path / "typo.db")])
    assert_refused(result, "no database at")
    assert result.stdout.startswith('{"error":"no database at ')


@pytest.mark.parametrize("case", ["missing file", "missing folder", "text file", "empty"])
def test_the_app_does_not_start_on_a_bad_db(tmp_path: Path, case: str) -> None:
    db, words = bad_databases(tmp_path)[case]
    assert_refused(runner.invoke(app, ["--db", db]), words)
    assert_refused(runner.invoke(app, ["--db", db, "--station", "PACK-1"]), words)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"postgresql://nobody:secret@{PG_HOST}/test", 'role "nobody" does not exist'),
        (f"postgresql://postgres@{PG_HOST}/no_such_database", "does not exist"),
    ],
)
def test_postgresql_refusals_name_the_reason_and_hide_the_password(
    tmp_path: Path, url: str, words: str
) -> None:
    require_pg()
    for command in commands(tmp_path)[:4]:
        result = runner.invoke(app, ["--db", url, *command])
        assert_refused(result, words)
        assert "secret" not in result.output


def test_creating_commands_create_a_missing_file_only(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert_refused(runner.invoke(app, ["db", "upgrade", "--db", str(path)]), "no database at")
    created = runner.invoke(app, ["db", "upgrade", "--create", "--db", str(path)])
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["status", "--db", str(path)]).exit_code == 0
    missing_folder = str(tmp_path / "nope" / "new.db")
    assert_refused(runner.invoke(app, ["db", "upgrade", "--create", "--db", missing_folder]), "No")


def test_creating_the_default_database_makes_its_folder(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("WAREHOUSE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert_refused(runner.invoke(app, ["status"]), "No folder")
    assert runner.invoke(app, ["db", "upgrade", "--create"]).exit_code == 0
    assert (tmp_path / "data" / "warehouse-tui" / "warehouse.db").is_file()


@given(st.text())
@settings(max_examples=300, deadline=None)
def test_any_db_text_is_a_url_or_one_line_of_reason(db: str) -> None:
    try:
        url = normalise_url(db)
    except DatabaseUnavailable as refused:
        assert str(refused) and "\n" not in printable(str(refused))  # as the CLI prints it
        return
    assert url.startswith(("sqlite:///", "postgresql+psycopg://"))
    Store(url).dispose()  # SQLAlchemy takes every URL we let through


@given(
    st.sampled_from(["postgresql", "postgres", "sqlite", "mysql", "", "http"]),
    st.text(alphabet=st.characters(codec="ascii"), max_size=30),
)
@settings(max_examples=300, deadline=None)
def test_url_shaped_text_never_escapes_as_another_error(scheme: str, rest: str) -> None:
    db = f"{scheme}://{rest}"
    try:
        url = normalise_url(db)
    except DatabaseUnavailable:
        return
    Store(url).dispose()


# --- through the real entry point, in a subprocess -------------------------------------------


def run_cli(*args: str, cwd: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    entry = Path(sys.executable).with_name("warehouse-tui")
    return subprocess.run(
        [*prefix, str(entry), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "WAREHOUSE_DB": ""},
    )


def assert_one_line(done: subprocess.CompletedProcess, words: str) -> None:  # type: ignore[type-arg]
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert words in lines[-1], done.stderr


def test_the_launcher_refuses_before_painting(tmp_path: Path) -> None:
    done = run_cli("--db", "typo.db", cwd=tmp_path)
    assert_one_line(done, "no database at")
    assert done.stderr.count("\n") == 1 and not done.stdout
    assert not (tmp_path / "typo.db").exists()


def _writable_copy(tmp_path: Path) -> Path:
    path = tmp_path / "floor.db"
    store = Store(str(path))
    upgrade(store)
    store.dispose()
    return path


def _can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


def test_a_read_only_database_refuses_a_change_in_one_line(tmp_path: Path) -> None:
    path = _writable_copy(tmp_path)
    args = ("settings", "set", "cart_totes", "7", "--db", str(path))
    if os.geteuid() != 0:
        path.chmod(0o440)
        done = run_cli(*args, cwd=tmp_path)
    elif _can_mount():  # root writes any file: make it read-only with a private bind mount
        mount = f'mount --bind {path} {path} && mount -o remount,ro,bind {path} && exec "$@"'
        done = run_cli(*args, cwd=tmp_path, prefix=("unshare", "-m", "sh", "-c", mount, "sh"))
    else:
        pytest.skip("root without mount namespaces: no way to make a file read-only")
    assert_one_line(done, "read-only")
    assert (
        "cart_totes = 7" not in run_cli("settings", "show", "--db", str(path), cwd=tmp_path).stdout
    )


def test_a_full_disk_refuses_in_one_line(tmp_path: Path) -> None:
    """The disk really fills: a 1 MiB tmpfs mounted in a private mount namespace."""
    if not _can_mount():
        pytest.skip("mounting a tmpfs needs root and mount namespaces")
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = f'mount -t tmpfs -o size=1m tmpfs {disk} && exec "$@"'
    done = run_cli(
        "demo",
        "--no-start",
        "--db",
        str(disk / "floor.db"),
        cwd=tmp_path,
        prefix=("unshare", "-m", "sh", "-c", mount, "sh"),
    )
    assert_one_line(done, "disk holding the database is full")


def test_open_database_probes_the_connection(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnavailable, match="Connection refused"):
        open_database(CLOSED_PORT_URL)
    path = _writable_copy(tmp_path)
    open_database(str(path)).dispose()


def test_a_wrong_password_is_worded_from_the_servers_reply() -> None:
    """The test server trusts every local user, so the reply libpq gives is replayed here."""
    reply = (
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        'FATAL:  password authentication failed for user "packer"\n'
    )
    error = OperationalError("SELECT 1", {}, psycopg.OperationalError(reply))
    assert failure_reason(error) == (
        'The database refused: password authentication failed for user "packer"'
    )
