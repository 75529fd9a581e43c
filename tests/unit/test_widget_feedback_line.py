"""FeedbackLine in a bare app: the outcome set on it is shown, in the ok or fail style, as plain
text."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from warehouse_tui.widgets.feedback_line import FeedbackLine, Outcome


class LinesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FeedbackLine(id="first")
        yield FeedbackLine(id="second")


async def test_the_outcome_decides_text_and_style() -> None:
    app = LinesApp()
    async with app.run_test(size=(40, 6)) as pilot:
        line = app.query_one("#first", FeedbackLine)
        line.outcome = Outcome(True, "MUG-1 packed (1/2)")
        await pilot.pause()
        assert str(line.render()) == "MUG-1 packed (1/2)"
        assert line.has_class("ok") and not line.has_class("fail")
        line.outcome = Outcome(False, "Not in this order: [red]TEA-1[/red]")
        await pilot.pause()
        assert str(line.render()) == "Not in this order: [red]TEA-1[/red]"  # data, not markup
        assert line.has_class("fail") and not line.has_class("ok")
        line.outcome = None
        await pilot.pause()
        assert str(line.render()) == ""
        assert not line.has_class("ok") and not line.has_class("fail")


def test_snapshot_feedback_lines(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        pilot.app.query_one("#first", FeedbackLine).outcome = Outcome(True, "MUG-1 packed (1/2)")
        pilot.app.query_one("#second", FeedbackLine).outcome = Outcome(
            False, "TEA-1 belongs to another order: put it aside, it counts for nothing"
        )
        await pilot.pause()

    assert snap_compare(LinesApp(), terminal_size=(40, 6), run_before=run_before)
