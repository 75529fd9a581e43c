"""The core runs without the UI, and the launcher stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from warehouse_tui.launch import app_options


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_core_imports_no_textual() -> None:
    modules = _modules_after(
        "import pkgutil, importlib, warehouse_tui\n"
        "for layer in ('domain', 'store', 'services', 'devices', 'sync'):\n"
        "    package = importlib.import_module('warehouse_tui.' + layer)\n"
        "    for info in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'warehouse_tui.{layer}.{info.name}')"
    )
    assert "warehouse_tui.services.auth" in modules
    assert not any(m == "textual" or m.startswith("textual.") for m in modules)


def test_app_module_defers_the_database_layer() -> None:
    """The login screen paints before SQLAlchemy is imported (~0.5 s)."""
    modules = _modules_after("import warehouse_tui.launch, warehouse_tui.app")
    assert "sqlalchemy" not in modules and "typer" not in modules


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {}),
        (["--db", "x.db"], {"--db": "x.db"}),
        (["--db=x.db", "--station", "PACK-1"], {"--db": "x.db", "--station": "PACK-1"}),
        (["demo"], None),
        (["--db", "x.db", "status"], None),
        (["--db"], None),
        (["--help"], None),
    ],
)
def test_app_options(argv: list[str], expected: dict[str, str] | None) -> None:
    assert app_options(argv) == expected
