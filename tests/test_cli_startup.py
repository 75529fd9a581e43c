"""The command line starts light: subcommands are imported when they run, and read-only
commands read without upgrading the schema, refusing clearly when it is behind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import revision_before_head
from warehouse_tui.cli import COMMANDS, app
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import head_revision, upgrade
from warehouse_tui.store.revision import newest_revision, stored_revision


def test_the_newest_revision_read_from_the_files_is_alembics_head() -> None:
    assert newest_revision() == head_revision()


def test_importing_the_command_line_imports_no_subcommand() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, warehouse_tui.cli;"
            "print(sorted(m for m in sys.modules if m.startswith('warehouse_tui.commands.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert loaded.strip() == "['warehouse_tui.commands.common']"


def test_every_subcommand_loads_with_its_help() -> None:
    runner = CliRunner()
    for name in COMMANDS:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_a_read_only_command_refuses_a_schema_behind_and_leaves_it(tmp_path: Path) -> None:
    db = str(tmp_path / "floor.db")
    store = Store(db)
    older = revision_before_head()
    upgrade(store, older)
    result = CliRunner().invoke(app, ["--db", db, "status", "--json"])
    assert result.exit_code == 1
    assert f"at revision {older}, this program needs {newest_revision()}" in result.output
    assert "db upgrade" in result.output
    assert stored_revision(store) == older
    store.dispose()


def test_a_read_only_command_reads_a_current_schema(tmp_path: Path) -> None:
    db = str(tmp_path / "floor.db")
    store = Store(db)
    upgrade(store)
    store.dispose()
    result = CliRunner().invoke(app, ["--db", db, "status", "--json"])
    assert result.exit_code == 0 and '"orders"' in result.output
