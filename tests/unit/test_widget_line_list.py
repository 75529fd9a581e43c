"""LineList in a bare app: the lines set on it are shown one row each; a count that changes
repaints its own row only, other lines or another width build the rows again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from warehouse_tui.widgets.line_list import LineList


@dataclass(frozen=True)
class Line:
    order_line_id: int
    sku_code: str
    name: str
    in_parcel: int
    packed: int
    expected: int


LINES = (
    Line(1, "MUG-1", "Mug, white, 300 ml", 1, 1, 2),
    Line(2, "TOY-1", "积木玩具 (building blocks)", 0, 0, 1),
    Line(3, "TEA-1", "Green tea, loose leaf, 100 g tin with a very long name", 1, 1, 1),
)


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LineList()


def rows(line_list: LineList) -> list[str]:
    return [str(row.render()).strip() for row in line_list.query(Static)]


async def test_a_count_repaints_its_own_row_only(monkeypatch: pytest.MonkeyPatch) -> None:
    app = ListApp()
    async with app.run_test(size=(60, 8)) as pilot:
        line_list = app.query_one(LineList)
        line_list.lines = LINES
        await pilot.pause()
        built = list(line_list.query(Static))
        assert [row.split()[0] for row in rows(line_list)] == ["SKU", "MUG-1", "TOY-1", "TEA-1"]
        assert rows(line_list)[1].split()[-2:] == ["1", "1/2"]
        repainted: list[Static] = []
        update = Static.update

        def counted_update(row: Static, *args: Any, **kwargs: Any) -> None:
            repainted.append(row)
            update(row, *args, **kwargs)

        monkeypatch.setattr(Static, "update", counted_update)
        line_list.lines = (replace(LINES[0], in_parcel=2, packed=2), *LINES[1:])
        await pilot.pause()
        assert list(line_list.query(Static)) == built  # the same row widgets
        assert repainted == [built[1]]
        assert rows(line_list)[1].split()[-2:] == ["2", "2/2"]


async def test_other_lines_or_another_width_build_the_rows_again() -> None:
    app = ListApp()
    async with app.run_test(size=(60, 8)) as pilot:
        line_list = app.query_one(LineList)
        line_list.lines = LINES
        await pilot.pause()
        built = list(line_list.query(Static))
        line_list.lines = LINES[:2]
        await pilot.pause()
        assert len(rows(line_list)) == 3 and built[1] not in list(line_list.query(Static))
        narrow = rows(line_list)
        await pilot.resize_terminal(80, 8)
        await pilot.pause()
        await pilot.pause()
        assert [len(row) for row in rows(line_list)] != [len(row) for row in narrow]
        assert "Mug, white, 300 ml" in rows(line_list)[1]


def test_snapshot_line_list(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        pilot.app.query_one(LineList).lines = LINES
        await pilot.pause()

    assert snap_compare(ListApp(), terminal_size=(50, 6), run_before=run_before)
