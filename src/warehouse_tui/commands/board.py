"""`warehouse-tui board`: the supervisor's board, per wave and per carrier, once."""

from __future__ import annotations

from warehouse_tui.commands.common import DbOption, JsonOption, emit_exact, read_store
from warehouse_tui.domain.refs import Ref
from warehouse_tui.i18n import _


def board_cmd(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Per wave and per carrier: orders picked, put, packed and shipped, who is on them, the
    cut-off today, the forecast at the current pace, and what is late."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from warehouse_tui.services.board import board_json, local_clock, read_board

    store = read_store(db)
    board = read_board(store)
    store.dispose()
    if as_json:
        emit_exact(board_json(board))
        return
    waves = Table(title=_("Waves"))
    for heading in (
        _("Wave"), _("Status"), _("Orders"), _("Picked"), _("Put"), _("Packed"),
        _("Shipped"), _("Pickers"), _("Packers"), _("Cut-off"), _("Done at"),
    ):  # fmt: skip
        waves.add_column(heading)
    for w in board.waves:
        waves.add_row(
            Ref.WAVE.of(w.id),
            w.status,
            *(str(n) for n in (w.orders, w.picked, w.put, w.packed, w.shipped, w.pickers)),
            str(w.packers),
            local_clock(w.cutoff_at, board.zone),
            local_clock(w.forecast_done_at, board.zone),
            style="red" if w.late else None,
        )
    carriers = Table(title=_("Carriers"))
    for heading in (_("Carrier"), _("Cut-off"), _("Not loaded"), _("Not picked")):
        carriers.add_column(heading)
    for c in board.carriers:
        carriers.add_row(
            Text(c.code),
            local_clock(c.cutoff_at, board.zone),
            str(c.packed_not_loaded),
            str(c.not_picked),
            style="red" if c.late else None,
        )
    console = Console(highlight=False)
    console.print(waves)
    console.print(carriers)
