"""PinPrompt in a bare app: Enter answers with the PIN as typed (leading zeros kept, the field
hidden), Esc and an empty field with None; a scan made while it is up closes it unanswered and
reaches the screen beneath."""

from __future__ import annotations

from textual import on
from textual.app import App
from textual.widgets import Input

from warehouse_tui.widgets.pin_prompt import PinPrompt
from warehouse_tui.widgets.scan_input import ScanReceived


class PromptApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.prompt = PinPrompt("PIN of Cleo")
        self.answers: list[str | None] = []
        self.scans: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.prompt, self.answers.append)

    @on(ScanReceived)
    def _scanned(self, message: ScanReceived) -> None:
        self.scans.append(message.code)


async def test_enter_answers_with_the_pin_as_typed() -> None:
    app = PromptApp()
    async with app.run_test() as pilot:
        field = app.prompt.query_one("#pin", Input)
        assert field.password
        await pilot.press(*"0042", "enter")
        await pilot.pause()
        assert app.answers == ["0042"]
        assert app.screen is not app.prompt


async def test_escape_or_nothing_typed_answers_none() -> None:
    for keys in (("1", "escape"), ("enter",)):
        app = PromptApp()
        async with app.run_test() as pilot:
            await pilot.press(*keys)
            await pilot.pause()
            assert app.answers == [None]


async def test_a_scan_goes_to_the_screen_beneath() -> None:
    app = PromptApp()
    async with app.run_test() as pilot:
        await pilot.press(*"ORD-17", "enter")
        await pilot.pause()
        assert app.answers == [None]
        assert app.scans == ["ORD-17"]
        assert app.screen is not app.prompt
