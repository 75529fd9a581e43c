"""ScaleReadout in a bare app, following a simulated MT-SICS scale on a pty through the real
driver: every reading is shown and posted as ScaleReadout.Changed; a scale that goes away is a
problem with no reading; no scale at all is said so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from warehouse_tui.devices.scale_sim import SimulatedScale
from warehouse_tui.devices.station import StationScale
from warehouse_tui.widgets.scale_readout import ScaleReadout


class ReadoutApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.changes: list[ScaleReadout.Changed] = []

    def compose(self) -> ComposeResult:
        yield ScaleReadout()

    @on(ScaleReadout.Changed)
    def _changed(self, message: ScaleReadout.Changed) -> None:
        self.changes.append(message)


@pytest.fixture(name="simulated")
def simulated_fixture() -> Iterator[SimulatedScale]:
    with SimulatedScale.for_protocol("mt-sics", 660) as scale:
        yield scale


def follow(simulated: SimulatedScale) -> StationScale:
    return StationScale(simulated.port, "mt-sics", 9600, simulated)


async def until(pilot: Pilot, predicate: Callable[[], bool]) -> None:
    for _ in range(100):
        if predicate():
            return
        await asyncio.sleep(0.05)
        await pilot.pause()
    raise AssertionError("the scale never said so")


def text(app: App[None]) -> str:
    return str(app.query_one(ScaleReadout).render())


async def test_readings_are_shown_and_posted(simulated: SimulatedScale) -> None:
    app = ReadoutApp()
    async with app.run_test(size=(40, 4)) as pilot:
        readout = app.query_one(ScaleReadout)
        assert text(app) == "Scale: —"
        readout.scale = follow(simulated)
        await until(pilot, lambda: any(m.reading and m.reading.stable for m in app.changes))
        steady = next(m for m in app.changes if m.reading and m.reading.stable)
        assert steady.reading is not None and steady.reading.grams == 660
        assert steady.control is readout
        assert text(app) == "Scale: 660 g steady"
        assert readout.has_class("steady")
        simulated.unplug()
        await until(pilot, lambda: app.changes[-1].reading is None)
        assert app.changes[-1].problem
        assert text(app).startswith("Scale: ") and not readout.has_class("steady")


async def test_a_station_without_a_scale_says_so() -> None:
    app = ReadoutApp()
    async with app.run_test(size=(40, 4)) as pilot:
        app.query_one(ScaleReadout).scale = None
        await pilot.pause()
        assert text(app) == "No scale at this station"
        assert app.changes == []


def test_snapshot_scale_readout(simulated: SimulatedScale, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, ReadoutApp)
        app.query_one(ScaleReadout).scale = follow(simulated)
        await until(pilot, lambda: any(m.reading and m.reading.stable for m in app.changes))

    assert snap_compare(ReadoutApp(), terminal_size=(30, 3), run_before=run_before)
