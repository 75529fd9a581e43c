"""What `--db` names, checked before anything connects.

A mistyped `--db` must not become an empty warehouse, and must not end in a traceback: every
value that cannot name a database we can use is refused here with one line saying why. The
launcher runs these checks before the app paints, so they use the standard library only
(importing SQLAlchemy costs as much as importing Textual); what only a connection can tell (an
unreachable server, an unknown user or database) is found by `engine.open_database`.

A SQLite path that does not exist is refused unless the caller creates databases (`demo`,
`db upgrade --create`); its folder must exist either way, so a typo in a folder name is caught
rather than made. A file whose first bytes are not SQLite's header is refused before SQLite
reads it (an empty file is an empty SQLite database, as SQLite itself treats it).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from warehouse_tui.i18n import _

SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_SCHEMES = frozenset({"sqlite", "sqlite+pysqlite"})
POSTGRESQL_SCHEMES = frozenset({"postgresql", "postgres", "postgresql+psycopg"})
POSTGRESQL_DRIVER = "postgresql+psycopg"


class DatabaseUnavailable(Exception):
    """The database named cannot be used; `str()` is one line saying why (and what to do)."""


def normalise_url(db: str) -> str:
    """A path or URL as the user typed it → an SQLAlchemy URL (SQLite paths made absolute).

    Raises DatabaseUnavailable for an empty value, a malformed URL or an unsupported scheme."""
    if not db.strip():
        raise DatabaseUnavailable(_("--db is empty: name a SQLite file or a postgresql:// URL"))
    if "\x00" in db:
        raise DatabaseUnavailable(_("--db contains a NUL character"))
    scheme, separator, rest = db.partition("://")
    if not separator:
        return f"sqlite:///{_absolute(db)}"
    scheme = scheme.lower()
    if not scheme:
        raise DatabaseUnavailable(_("{db} is not a valid URL: it names no scheme").format(db=db))
    if scheme in POSTGRESQL_SCHEMES:
        _check_postgresql(db)
        return f"{POSTGRESQL_DRIVER}://{rest}"
    if scheme in SQLITE_SCHEMES:
        path, question, query = rest.removeprefix("/").partition("?")
        if not path:
            raise DatabaseUnavailable(
                _("{db} names no file: write sqlite:///PATH or just the path").format(db=db)
            )
        return f"sqlite:///{_absolute(path)}{question}{query}"
    raise DatabaseUnavailable(
        _(
            "{scheme}:// databases are not supported: "
            "name a SQLite file or a postgresql://user@host/database URL"
        ).format(scheme=scheme)
    )


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL made by `normalise_url`, else None."""
    scheme, _separator, rest = url.partition(":///")
    if scheme not in SQLITE_SCHEMES:
        return None
    return Path(rest.partition("?")[0])


def shown(db: str) -> str:
    """`db` as it may be printed: a URL's password replaced by ***."""
    scheme, separator, rest = db.partition("://")
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not separator or not at or ":" not in userinfo:
        return db
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{host}{slash}{path}"


def check_database(db: str, *, create: bool = False) -> str:
    """The URL of `db` once the cheap checks pass; DatabaseUnavailable saying why otherwise."""
    url = normalise_url(db)
    path = sqlite_path(url)
    if path is not None:
        check_sqlite_file(path, create=create)
    return url


def check_sqlite_file(path: Path, *, create: bool) -> None:
    """Refuse a path that is no SQLite database, or is missing when the caller may not create."""
    if not path.parent.is_dir():
        raise DatabaseUnavailable(
            _("No folder {folder} (for the database {path})").format(folder=path.parent, path=path)
        )
    if not path.exists():
        if create:
            return
        raise DatabaseUnavailable(
            _(
                "no database at {path}: create it with `warehouse-tui db upgrade --create` "
                "or `warehouse-tui demo`"
            ).format(path=path)
        )
    if path.is_dir():
        raise DatabaseUnavailable(_("{path} is a folder, not a database file").format(path=path))
    if not path.is_file():
        raise DatabaseUnavailable(_("{path} is not a database file").format(path=path))
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise DatabaseUnavailable(
            _("Cannot read the database {path}: {reason}").format(
                path=path, reason=error.strerror or error
            )
        ) from error
    if header and header != SQLITE_HEADER:
        raise DatabaseUnavailable(_("{path} is not a SQLite database").format(path=path))


def _absolute(path: str) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError) as error:  # a symbolic-link loop, a ~user that is no user
        raise DatabaseUnavailable(
            _("Cannot use {path} as a database path: {reason}").format(path=path, reason=error)
        ) from error


def _check_postgresql(db: str) -> None:
    """Refuse a PostgreSQL URL that cannot be read: a port that is not a number from 1 to
    65535 (an empty one included), an unclosed IPv6 bracket."""
    try:
        urlsplit(db)
    except ValueError as error:
        raise DatabaseUnavailable(
            _("{db} is not a valid URL: {reason}").format(db=shown(db), reason=error)
        ) from error
    authority = re.split(r"[/?]", db.partition("://")[2], maxsplit=1)[0]
    host_and_port = authority.rpartition("@")[2]
    if ":" not in host_and_port.rpartition("]")[2]:
        return
    port = host_and_port.rpartition(":")[2]
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise DatabaseUnavailable(
            _("{db} is not a valid URL: the port {port!r} is not a number from 1 to 65535").format(
                db=shown(db), port=port
            )
        )
