"""The zh_CN catalogue is complete, consistent with the code, and compiled.

Run `make i18n` after adding or changing an operator-facing string, then translate the new
entries of the zh_CN .po (an entry marked fuzzy counts as untranslated).
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from warehouse_tui.i18n import DOMAIN, LOCALE_DIR, _, use_language

ROOT = Path(__file__).resolve().parents[2]
POT = LOCALE_DIR / f"{DOMAIN}.pot"
ZH_DIR = LOCALE_DIR / "zh_CN" / "LC_MESSAGES"
ZH_PO = ZH_DIR / f"{DOMAIN}.po"
ZH_MO = ZH_DIR / f"{DOMAIN}.mo"
# The same keywords as `pybabel extract -k N_ -k ngettext:1,2` (both also babel defaults).
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "ngettext": (1, 2)}
# str.format fields ({qty}, {code!r}, {grams:.0f}) and printf conversions (%s, %(name)d).
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdifr]")
FIX_HINT = "run `make i18n`, then translate the new entries of the zh_CN .po"


def _read(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _key(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _texts(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _messages(catalog: Catalog) -> dict[str, Message]:
    return {_key(message): message for message in catalog if message.id}


@pytest.fixture(scope="module")
def template() -> dict[str, Message]:
    return _messages(_read(POT))


@pytest.fixture(scope="module")
def chinese() -> Catalog:
    return _read(ZH_PO)


@pytest.fixture
def chinese_then_english() -> Iterator[None]:
    use_language("zh_CN")
    try:
        yield
    finally:
        use_language("en")


def _is_translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    return all(text.strip() for text in _texts(message.string))


def test_the_template_matches_the_strings_in_the_code(template: dict[str, Message]) -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    in_code = {
        msgid if isinstance(msgid, str) else msgid[0]
        for _filename, _lineno, msgid, _comments, _context in extract_from_dir(
            ROOT / "src", method_map, options_map, keywords=KEYWORDS
        )
    }
    new = sorted(in_code - template.keys())
    gone = sorted(template.keys() - in_code)
    assert not new and not gone, (
        f"The .pot is stale: {FIX_HINT}.\nNot in the .pot yet: {new}\nNo longer in the code: {gone}"
    )


def test_every_string_has_a_chinese_translation(
    template: dict[str, Message], chinese: Catalog
) -> None:
    translated = _messages(chinese)
    missing = sorted(key for key in template if not _is_translated(translated.get(key)))
    assert not missing, f"{len(missing)} strings lack a zh_CN translation ({FIX_HINT}):\n" + (
        "\n".join(repr(key) for key in missing)
    )


def test_translations_keep_the_placeholders(chinese: Catalog) -> None:
    wrong = [
        (_key(message), text)
        for message in chinese
        if message.id and not message.fuzzy
        for text in _texts(message.string)
        if text and _placeholders(text) != _placeholders(_key(message))
    ]
    assert not wrong, "Placeholders differ from the English:\n" + "\n".join(
        f"{source!r} -> {text!r}" for source, text in wrong
    )


def test_the_compiled_catalogue_is_up_to_date(chinese: Catalog) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, chinese)
    compiled.seek(0)
    with ZH_MO.open("rb") as committed:
        shipped = gettext.GNUTranslations(committed)
    fresh = gettext.GNUTranslations(compiled)
    assert shipped._catalog == fresh._catalog, (
        "The zh_CN .mo differs from the .po: run "
        "`pybabel compile -d src/warehouse_tui/locale -D warehouse_tui`"
    )


@pytest.mark.usefixtures("chinese_then_english")
def test_switching_the_language_at_run_time() -> None:
    assert _("Home") == "首页"
    use_language("en")
    assert _("Home") == "Home"
