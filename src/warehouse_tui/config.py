"""Where things are when nobody says otherwise (kept import-light: the launcher reads it)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def default_db_path() -> Path:
    """The database when neither --db nor WAREHOUSE_DB names one: the user's data folder."""
    return Path(user_data_dir("warehouse-tui", appauthor=False)) / "warehouse.db"


def db_from_environment() -> str:
    return os.environ.get("WAREHOUSE_DB") or str(default_db_path())


def station_from_environment() -> str:
    return os.environ.get("WAREHOUSE_STATION") or "default"
