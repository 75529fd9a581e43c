"""Translations: every operator-facing string goes through `_`.

The catalogue is switched per operator at login (`use_language`). `N_` marks a string for
extraction where it must be translated later (at display time), e.g. in module-level tables.
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "warehouse_tui"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_current: gettext.NullTranslations = gettext.NullTranslations()


def use_language(language: str) -> None:
    """Make `language` (a key of LANGUAGES) the one `_` translates into."""
    global _current
    _current = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message
