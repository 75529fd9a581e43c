"""`warehouse-tui serve`: the app in a browser, through textual-serve, for supervisors and admins.

Each browser session runs the app in a process of its own, as station `web:<peer address>`
(services/auth.REMOTE_STATION): its log-in always takes ID or badge and PIN, only supervisors
and admins get in, and every journal row of the session names the peer. textual-serve has no
authentication of its own: bind to loopback (the default) and put a TLS proxy in front to
reach it from elsewhere.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from warehouse_tui.commands.common import DbOption, chosen_db, open_store

if TYPE_CHECKING:
    from aiohttp import web


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    db: DbOption = None,
) -> None:
    """Serve the app to browsers (supervisors and admins, ID and PIN) at http://HOST:PORT."""
    from warehouse_tui.services.auth import REMOTE_STATION

    database = chosen_db(db)
    open_store(db).dispose()  # refused here, in one line, if it cannot serve
    command = shlex.join([sys.executable, "-m", "warehouse_tui", "--db", database])
    server = _server(command, host, port, REMOTE_STATION)
    server.serve()


def _server(command: str, host: str, port: int, prefix: str):  # type: ignore[no-untyped-def]
    """A textual-serve Server whose sessions run as station `<prefix><peer address>`."""
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class PeerAppService(AppService):
        def __init__(self, *args, peer: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self.peer = peer

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width, height)
            environment["WAREHOUSE_STATION"] = f"{prefix}{self.peer}"
            return environment

    class PeerServer(Server):
        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            """textual-serve's own handler, with the session's process told its peer."""
            from aiohttp import web
            from textual_serve.server import to_int

            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            await websocket.prepare(request)
            service = PeerAppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
                peer=request.remote or "unknown",
            )
            try:
                await service.start(width, height)
                await self._process_messages(websocket, service)
            finally:
                await service.stop()
            return websocket

    return PeerServer(command, host=host, port=port, title="warehouse-tui")
