"""The pack bench's list of order lines: SKU, item, units in this parcel, packed of expected.

The screen sets `lines`; the list keeps one row widget per line, so a scan that counts one item
repaints that one row and nothing else (measured on the pack screen: rebuilding the list on
every scan made the count reach the terminal noticeably later). The rows are built again only
when the lines themselves change (another parcel) or the width changes the columns.

Columns are as wide as a line's counts can grow, so counting up never moves a column; widths
are in terminal cells, so Chinese item names line up. SKU codes and names are shop data: shown
as `Text` (never markup) with what a terminal would act on escaped (`domain.text.on_screen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import Static

from warehouse_tui.domain.text import on_screen
from warehouse_tui.i18n import _

FALLBACK_WIDTH = 46  # the list's inner width at 80 columns, before the first layout

Widths = tuple[int, int, int, int]  # SKU, item, here, done, in terminal cells


class PackLine(Protocol):
    """One order line as the list shows it."""

    @property
    def order_line_id(self) -> int: ...
    @property
    def sku_code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def in_parcel(self) -> int: ...
    @property
    def packed(self) -> int: ...
    @property
    def expected(self) -> int: ...


class LineList(Vertical):
    """A heading and one row per order line; a line is green once all of it is packed."""

    DEFAULT_CSS = """
    LineList > .line, LineList > .line-head {
        height: 1;
    }
    """

    lines: var[tuple[PackLine, ...]] = var((), init=False)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[Static] = []  # in the order of the lines they show
        self._widths: Widths | None = None  # None until the rows are built

    def watch_lines(self, shown: tuple[PackLine, ...], lines: tuple[PackLine, ...]) -> None:
        self._paint(shown, lines)

    def on_resize(self) -> None:
        if self._widths is not None:  # rows to fit: after the refresh, when the width is known
            self.call_after_refresh(lambda: self._paint(self.lines, self.lines))

    def _paint(self, shown: Sequence[PackLine], lines: Sequence[PackLine]) -> None:
        widths = column_widths(lines, self.content_size.width or FALLBACK_WIDTH)
        same_rows = [line.order_line_id for line in shown] == [line.order_line_id for line in lines]
        if widths != self._widths or not same_rows:
            self._widths = widths
            self._rows = [Static(row_text(line, widths), classes="line") for line in lines]
            self.remove_children()
            self.mount(Static(heading(widths), classes="line-head"), *self._rows)
            return
        for row, before, now in zip(self._rows, shown, lines, strict=True):
            if before != now:
                row.update(row_text(now, widths), layout=False)


def column_widths(lines: Sequence[PackLine], width: int) -> Widths:
    """SKU, item, here and done column widths: wide enough for a line's counts at their most;
    the item takes the rest."""
    headers = (_("SKU"), _("Item"), _("Here"), _("Done"))
    sku = max([cell_len(headers[0]), *(cell_len(on_screen(line.sku_code)) for line in lines)])
    here = max([cell_len(headers[2]), *(len(str(line.expected)) for line in lines)])
    done = max([cell_len(headers[3]), *(2 * len(str(line.expected)) + 1 for line in lines)])
    return sku, max(4, width - sku - here - done - 3), here, done


def heading(widths: Widths) -> Text:
    cells = _cells((_("SKU"), _("Item"), _("Here"), _("Done")), widths)
    return Text(" ".join(cells), style="bold", no_wrap=True, overflow="crop")


def row_text(line: PackLine, widths: Widths) -> Text:
    """One line of the list; green once all its picked units are packed."""
    sku, name, here, done = _cells(
        (
            on_screen(line.sku_code),
            on_screen(line.name),
            str(line.in_parcel),
            f"{line.packed}/{line.expected}",
        ),
        widths,
    )
    style = "bold green" if line.packed >= line.expected else ""
    text = Text(no_wrap=True, overflow="crop")
    text.append(sku, style=style)
    text.append(f" {name} {here} ")
    text.append(done, style=style)
    return text


def _cells(row: tuple[str, str, str, str], widths: Widths) -> list[str]:
    """The row's cells padded to their column widths: text left, numbers right, a name too long
    cut with an ellipsis."""
    sku, name, here, done = row
    if cell_len(name) > widths[1]:
        name = set_cell_size(name, widths[1] - 1) + "…"
    return [
        set_cell_size(sku, widths[0]),
        set_cell_size(name, widths[1]),
        " " * (widths[2] - cell_len(here)) + here,
        " " * (widths[3] - cell_len(done)) + done,
    ]
