"""Files the app creates are readable by their owner and group only, whatever the umask:
the database and its -wal, -shm and upgrade lock 0o660 (every terminal user writes them),
labels, label sheets and manifests 0o640."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from warehouse_tui.cli import app
from warehouse_tui.devices.printer import send_to_printer, write_output_file
from warehouse_tui.store.engine import Store
from warehouse_tui.store.migrate import upgrade
from warehouse_tui.store.models import BoxType

runner = CliRunner()


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A umask that would leave files world-readable (and group-writable)."""
    before = os.umask(0o002)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_wal_shm_and_lock_are_owner_and_group_only(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    store = Store(str(path))
    upgrade(store)
    with store.write() as session:
        session.exec(text("CREATE TABLE probe (n INTEGER)"))  # type: ignore[call-overload]
    files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}.lock")]
    assert {file.name: mode(file) for file in files} == {file.name: 0o660 for file in files}
    store.dispose()


def test_a_database_made_by_the_command_line_is_owner_and_group_only(tmp_path: Path) -> None:
    path = tmp_path / "floor.db"
    assert runner.invoke(app, ["db", "upgrade", "--create", "--db", str(path)]).exit_code == 0
    assert mode(path) == 0o660


def test_label_and_output_files_are_owner_and_group_readable(tmp_path: Path) -> None:
    spool = tmp_path / "PACK-1.zpl"
    send_to_printer(f"file:{spool}", b"^XA^XZ")
    send_to_printer(f"file:{spool}", b"^XA^XZ")
    assert spool.read_bytes() == b"^XA^XZ^XA^XZ" and mode(spool) == 0o640
    sheet = tmp_path / "sheet.pdf"
    write_output_file(sheet, b"%PDF-1")
    write_output_file(sheet, b"%PDF-2")
    assert sheet.read_bytes() == b"%PDF-2" and mode(sheet) == 0o640


def test_an_existing_output_file_keeps_its_mode(tmp_path: Path) -> None:
    shared = tmp_path / "manifest.csv"
    shared.write_text("old")
    shared.chmod(0o664)
    write_output_file(shared, b"new")
    assert shared.read_bytes() == b"new" and mode(shared) == 0o664


def test_label_sheets_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "floor.db"
    store = Store(str(db))
    upgrade(store)
    with store.write() as session:
        session.add(
            BoxType(code="BOX-M2", name="M", length_mm=3, width_mm=2, height_mm=1, tare_g=1)
        )
    store.dispose()
    for fmt in ("zpl", "pdf"):
        out = tmp_path / f"boxes.{fmt}"
        result = runner.invoke(
            app, ["labels", "boxes", "--format", fmt, "--out", str(out), "--db", str(db)]
        )
        assert result.exit_code == 0, result.output
        assert mode(out) == 0o640
