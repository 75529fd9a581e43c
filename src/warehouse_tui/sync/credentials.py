"""A shop's credentials: from the environment, or from a config file only its owner may read.

`WAREHOUSE_SHOP_<CODE>_<KEY>` (the shop's code upper-cased, anything but letters and digits as
`_`) wins; otherwise the file (`WAREHOUSE_SHOPS_FILE`, default `shops.toml` in the user's config
folder) is read, one table per shop:

    [WEB]
    TOKEN = "shpat_..."

A file that its group or others may read is refused, naming its path: a credential on a shared
host must not be one `cat` away. Credentials never go into the database (the `shop` table holds
only addresses and choices), and a missing one is reported by the setting's name, never a value.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir

from warehouse_tui.i18n import _
from warehouse_tui.sync.connector import AuthError

ENV_PREFIX = "WAREHOUSE_SHOP_"
FILE_ENV = "WAREHOUSE_SHOPS_FILE"


def credentials_file(environ: Mapping[str, str] = os.environ) -> Path:
    named = environ.get(FILE_ENV)
    if named:
        return Path(named).expanduser()
    return Path(user_config_dir("warehouse-tui", appauthor=False)) / "shops.toml"


def env_name(shop: str, key: str) -> str:
    return f"{ENV_PREFIX}{re.sub(r'[^A-Z0-9]', '_', shop.upper())}_{key.upper()}"


@dataclass(frozen=True)
class Credentials:
    shop: str
    values: Mapping[str, str]
    file: Path

    def require(self, key: str) -> str:
        value = self.values.get(key.upper(), "")
        if not value:
            raise AuthError(
                _(
                    "shop {shop}: credential {key} missing: set {variable} or {key} under"
                    " [{shop}] in {path}"
                ).format(
                    shop=self.shop,
                    key=key.upper(),
                    variable=env_name(self.shop, key),
                    path=self.file,
                )
            )
        return value

    def setting(self, key: str) -> str:
        """Where `key` comes from, for messages about a refused credential."""
        return _("{variable} (or [{shop}] {key} in {path})").format(
            variable=env_name(self.shop, key), shop=self.shop, key=key.upper(), path=self.file
        )

    def secrets(self) -> list[str]:
        return [value for value in self.values.values() if value]


def load_credentials(shop: str, environ: Mapping[str, str] = os.environ) -> Credentials:
    """The shop's credentials: the file's table for it, overridden key by key by the
    environment. Raises AuthError for a file others may read or that does not parse."""
    path = credentials_file(environ)
    values = {key.upper(): str(value) for key, value in _file_table(path, shop).items()}
    prefix = env_name(shop, "")
    for name, value in environ.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            values[name[len(prefix) :]] = value
    return Credentials(shop, values, path)


def _file_table(path: Path, shop: str) -> Mapping[str, object]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuthError(
            _(
                "{path} may be read by others than its owner: credentials refused"
                " (chmod 600 {path})"
            ).format(path=path)
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        # The parser's message may quote the line, and the line may hold a secret.
        unreadable = _("{path} cannot be read as TOML ({error})")
        raise AuthError(unreadable.format(path=path, error=error.__class__.__name__)) from None
    table = data.get(shop, {})
    return table if isinstance(table, dict) else {}
