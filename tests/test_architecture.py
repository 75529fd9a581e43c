"""The core runs without the UI, and the launcher stays light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import warehouse_tui
from warehouse_tui.launch import app_options

PACKAGE = Path(warehouse_tui.__file__).parent


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


def _imported(path: Path) -> set[str]:
    """Every module `path` imports, type-checking-only and deferred imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", ["screens", "widgets"])
def test_screens_and_widgets_never_import_the_app(layer: str) -> None:
    """Not even for type checking: they reach it through screens.host.ScreenHost."""
    files = sorted((PACKAGE / layer).glob("*.py"))
    assert files
    for path in files:
        assert "warehouse_tui.app" not in _imported(path), path.name


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
