"""Where things are when nobody says otherwise (kept import-light: the launcher reads it, and
platformdirs, which brings tempfile, shutil and the compression modules with it, is imported
only when the user's data folder is asked for)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The user's data folder for warehouse-tui (created by whoever writes into it)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("warehouse-tui", appauthor=False))


def default_db_path() -> Path:
    """The database when neither --db nor WAREHOUSE_DB names one: the user's data folder."""
    return data_dir() / "warehouse.db"


def files_dir(db: str) -> Path:
    """Where the app writes its own files (labels, shop files, logs) for this database: beside a
    SQLite file, else the user's data folder; absolute, so it holds from any working folder."""
    if "://" not in db:
        return Path(db).expanduser().resolve().parent
    return data_dir()


def db_from_environment() -> str:
    return os.environ.get("WAREHOUSE_DB") or str(default_db_path())


def station_from_environment() -> str:
    return os.environ.get("WAREHOUSE_STATION") or "default"
