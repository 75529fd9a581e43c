"""NumberPrompt in a bare app: Enter answers with the number its kind accepts, Esc and anything
else with None; a scan made while it is up is not taken as the number: the prompt closes
unanswered and the scan reaches the screen beneath."""

from __future__ import annotations

import pytest
from textual import on
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from warehouse_tui.widgets.number_prompt import NumberPrompt
from warehouse_tui.widgets.scan_input import ScanReceived


class PromptApp(App[None]):
    def __init__(self, prompt: NumberPrompt[int] | NumberPrompt[float]) -> None:
        super().__init__()
        self.prompt = prompt
        self.answers: list[float | None] = []
        self.scans: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.prompt, self.answers.append)

    @on(ScanReceived)
    def _scanned(self, message: ScanReceived) -> None:
        self.scans.append(message.code)


@pytest.mark.parametrize(
    ("prompt", "keys", "answer"),
    [
        (NumberPrompt.whole("How many?"), "25", 25),
        (NumberPrompt.whole("How many are really there?"), "0", 0),
        (NumberPrompt.whole("How many?"), "", None),
        (NumberPrompt.positive("Weight in grams"), "312.5", 312.5),
        (NumberPrompt.positive("Weight in grams"), "0", None),
        (NumberPrompt.positive("Weight in grams"), "-3", None),
    ],
)
async def test_enter_answers_with_the_number(
    prompt: NumberPrompt[int] | NumberPrompt[float], keys: str, answer: float | None
) -> None:
    app = PromptApp(prompt)
    async with app.run_test() as pilot:
        await pilot.press(*keys, "enter")
        await pilot.pause()
        assert app.answers == [answer]
        assert type(app.answers[0]) is type(answer)
        assert app.screen is not prompt


async def test_escape_cancels() -> None:
    app = PromptApp(NumberPrompt.whole("How many?"))
    async with app.run_test() as pilot:
        await pilot.press("1", "escape")
        await pilot.pause()
        assert app.answers == [None]


async def test_a_scan_into_the_prompt_is_a_scan_not_a_quantity() -> None:
    prompt = NumberPrompt.whole("How many?")
    app = PromptApp(prompt)
    async with app.run_test() as pilot:
        await pilot.press(*"4006381333931", "enter")  # an EAN-13, as a wedge types it
        await pilot.pause()
        assert app.scans == ["4006381333931"]
        assert app.answers == [None]
        assert app.screen is not prompt


def test_snapshot_number_prompt(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        pilot.app.screen.query_one("#number", Input).cursor_blink = False
        await pilot.press("1", "2")

    app = PromptApp(NumberPrompt.whole("How many [b]MUG-1[/b] at LOC-A01-01-1?"))
    assert snap_compare(app, terminal_size=(40, 16), run_before=run_before)
