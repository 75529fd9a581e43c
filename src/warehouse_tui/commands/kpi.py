"""`warehouse-tui kpi`: operator KPIs from the journal and the stock ledger."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from typing import Annotated

import typer

from warehouse_tui.commands.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_exact,
    printable,
    read_store,
    refuse,
)
from warehouse_tui.i18n import _

COLUMNS = (
    "operator", "day", "shift", "hours", "pick_lines_per_hour", "units_per_hour",
    "orders_per_hour", "parcels_per_hour", "refused_per_100", "short_picks", "weight_rejects",
    "idle_min",
)  # fmt: skip


def kpi_cmd(
    from_: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First local day.")
    ],
    to: Annotated[datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last local day.")],
    by: Annotated[str, typer.Option("--by", help="operator, shift or day.")] = "operator",
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with a header on stdout.")] = False,
    db: DbOption = None,
) -> None:
    """Per operator (and per shift or day): pick lines and units per hour, orders and parcels
    packed per hour, refused scans per hundred, short picks, weight rejects, idle minutes."""
    from warehouse_tui.services.kpi import KpiBy, kpi_rows, operator_kpis

    if by not in {member.value for member in KpiBy}:
        refuse(_("--by is operator, shift or day, not {by}").format(by=printable(by)))
    if to < from_:
        refuse(_("--to is before --from: give the first day, then the last"), as_json=as_json)
    store = read_store(db)
    result = operator_kpis(store, cli_actor(None), from_.date(), to.date(), KpiBy(by))
    store.dispose()
    rows = list(kpi_rows(result))
    if as_json:
        emit_exact({"from": from_.date().isoformat(), "to": to.date().isoformat(), "by": by,
                    "rows": rows})  # fmt: skip
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=_("Operator KPIs"))
    for heading in (
        _("Operator"), _("Day"), _("Shift"), _("Hours"), _("Lines/h"), _("Units/h"),
        _("Orders/h"), _("Parcels/h"), _("Refused/100"), _("Shorts"), _("Weight rejects"),
        _("Idle min"),
    ):  # fmt: skip
        table.add_column(heading)
    for row in rows:
        table.add_row(*(Text(str(row[key] if row[key] is not None else "")) for key in COLUMNS))
    Console(highlight=False).print(table)
