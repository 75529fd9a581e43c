"""`warehouse-tui check`: the floor's books agree, or every place they do not is named."""

from __future__ import annotations

import typer

from warehouse_tui.commands.common import DbOption, JsonOption, emit_exact, open_store
from warehouse_tui.i18n import _


def check_cmd(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Check stock against its ledger and allocations, orders against their lines, parcels and
    waves, and pick-list claims; exit 1 naming every violation."""
    from warehouse_tui.services.check import check_floor

    store = open_store(db)
    violations = check_floor(store)
    store.dispose()
    if as_json:
        emit_exact(
            {
                "ok": not violations,
                "violations": [
                    {"rule": v.rule, "ref": v.ref, "detail": v.detail} for v in violations
                ],
            }
        )
    elif violations:
        for violation in violations:
            typer.echo(f"{violation.rule}\t{violation.ref}\t{violation.detail}", err=True)
        typer.echo(_("{n} violations").format(n=len(violations)), err=True)
    else:
        typer.echo(_("The floor is consistent."))
    if violations:
        raise typer.Exit(1)
