"""ScanAwareInput in a bare app: a scan typed into the field is posted as ScanReceived and not
kept; typed text is the field's; a wedge burst counts as a scan as the app's setting says."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Input

from warehouse_tui.domain.wedge import WedgeBurst
from warehouse_tui.widgets.scan_input import GS, ScanAwareInput, ScanReceived


class FieldApp(App[None]):
    def __init__(self, wedge_burst: WedgeBurst | None = None) -> None:
        super().__init__()
        self.wedge_burst = wedge_burst
        self.scans: list[str] = []
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield ScanAwareInput(id="field")

    @on(ScanReceived)
    def _scanned(self, message: ScanReceived) -> None:
        self.scans.append(message.code)

    @on(Input.Submitted)
    def _submitted(self, message: Input.Submitted) -> None:
        self.submitted.append(message.value)


async def test_a_scan_shaped_entry_is_posted_as_a_scan_and_cleared() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        await pilot.press(*"OP-0002", "enter")
        await pilot.pause()
        assert app.scans == ["OP-0002"]
        assert app.submitted == []
        assert app.query_one(ScanAwareInput).value == ""


async def test_typed_text_stays_in_the_field() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        await pilot.press(*"1234", "enter")
        await pilot.pause()
        assert app.scans == []
        assert app.submitted == ["1234"]


async def test_the_group_separator_a_scanner_sends_for_fnc1_is_kept() -> None:
    app = FieldApp()
    async with app.run_test() as pilot:
        await pilot.press(*"10ABC", "ctrl+right_square_bracket", *"17")
        await pilot.pause()
        assert app.query_one(ScanAwareInput).value == f"10ABC{GS}17"


async def test_a_fast_burst_is_a_scan_when_the_app_says_bursts_are() -> None:
    typed_fast = FieldApp(WedgeBurst(min_length=8, max_key_interval_ms=1000))
    async with typed_fast.run_test() as pilot:
        await pilot.press(*"SUPPLIER-X1", "enter")
        await pilot.pause()
    assert typed_fast.scans == ["SUPPLIER-X1"]
    by_shape_only = FieldApp()
    async with by_shape_only.run_test() as pilot:
        await pilot.press(*"SUPPLIER-X1", "enter")
        await pilot.pause()
    assert by_shape_only.scans == []
    assert by_shape_only.submitted == ["SUPPLIER-X1"]
