"""Snapshots of the pack station at 80x24 and larger."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.apphelpers import make_test_app, scan
from tests.support.pack_screen import SIZES, floor_fixture, open_pack  # noqa: F401 — fixture
from tests.support.packing_floor import MUG, Floor


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_pack_verify(floor: Floor, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    floor.order({"MUG-1": 2, "TOY-1": 1}, tote="TOTE-0001", tags=("gift",), ship_name="王芳")
    floor.order({"TEA-1": 1}, tote="TOTE-0002")

    async def run_before(pilot: Pilot) -> None:
        await open_pack(pilot)
        for code in ("TOTE-0001", MUG, "5901234123457"):
            await scan(pilot, code)

    app = make_test_app(floor.store, station="PACK-BARE")
    assert snap_compare(app, terminal_size=size, run_before=run_before)
