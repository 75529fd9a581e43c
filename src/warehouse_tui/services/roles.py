"""Who may do what, checked in the services (a screen that hides a key is a convenience, not a
rule): every action that changes what others work on names the roles it needs.

The operator's role is read from the database in the action's own transaction, so a role taken
away mid-shift holds at the next action. An actor with no operator is the local command line:
whoever can run it can open the database file anyway, so it acts as a named local admin and the
journal records the name it gave (`--operator`, else the system user).
"""

from __future__ import annotations

from collections.abc import Collection

from sqlmodel import Session

from warehouse_tui.i18n import _
from warehouse_tui.services.journal import Actor
from warehouse_tui.store.models import Operator, Role

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)
ADMINS = (Role.ADMIN,)


def role_refusal(session: Session, actor: Actor, allowed: Collection[Role]) -> str:
    """Why `actor` may not do an action open to `allowed`, or "" when they may."""
    if actor.operator_id is None:
        return ""
    operator = session.get(Operator, actor.operator_id)
    if operator is not None and operator.active and operator.role in allowed:
        return ""
    if tuple(allowed) == ADMINS:
        return _("Only an admin may do this")
    return _("Only a supervisor may do this: scan a supervisor's badge or ask one")
