"""ScanModal in a bare app: a scan made while a dialog is up reaches the screen beneath (keys
with no field focused, a burst in a scan-aware field, a serial scanner's message), the dialog
closing unanswered; a dialog that asks for a scan takes it instead."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Static

from warehouse_tui.widgets.scan_input import ScanAwareInput, ScanReceived
from warehouse_tui.widgets.scan_modal import ScanModal

EAN = "4006381333931"


class Notice(ScanModal[None]):
    """A dialog with nothing to focus, like the help."""

    def compose(self) -> ComposeResult:
        yield Static("Read me")


class AskForField(ScanModal[str]):
    def compose(self) -> ComposeResult:
        yield ScanAwareInput(id="field")


class AskForScan(ScanModal[str]):
    """A dialog whose answer is a scan."""

    def compose(self) -> ComposeResult:
        yield Static("Scan the item")

    def take_scan(self, code: str) -> bool:
        self.dismiss(code)
        return True


class ModalApp(App[None]):
    def __init__(self, dialog: ScanModal[str] | ScanModal[None]) -> None:
        super().__init__()
        self.dialog = dialog
        self.answers: list[str | None] = []
        self.scans: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.answers.append)

    @on(ScanReceived)
    def _scanned(self, message: ScanReceived) -> None:
        self.scans.append(message.code)


async def test_keys_at_a_dialog_with_no_field_are_a_scan_for_the_screen_beneath() -> None:
    app = ModalApp(Notice())
    async with app.run_test() as pilot:
        await pilot.press(*EAN, "enter")
        await pilot.pause()
        assert app.scans == [EAN]
        assert app.answers == [None]
        assert app.screen is not app.dialog


async def test_a_burst_in_a_field_goes_beneath() -> None:
    app = ModalApp(AskForField())
    async with app.run_test() as pilot:
        await pilot.press(*"ORD-17", "enter")
        await pilot.pause()
        assert app.answers == [None]
        assert app.scans == ["ORD-17"]
        assert app.screen is not app.dialog


async def test_a_serial_scanners_scan_goes_beneath() -> None:
    app = ModalApp(Notice())
    async with app.run_test() as pilot:
        app.dialog.post_message(ScanReceived(EAN, by_scanner=True))
        await pilot.pause()
        assert app.scans == [EAN]
        assert app.answers == [None]


async def test_a_dialog_that_asks_for_a_scan_takes_it() -> None:
    app = ModalApp(AskForScan())
    async with app.run_test() as pilot:
        await pilot.press(*EAN, "enter")
        await pilot.pause()
        assert app.answers == [EAN]
        assert app.scans == []
