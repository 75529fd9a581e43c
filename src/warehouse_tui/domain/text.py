"""Text from shops, files and scans, made safe to show on a terminal without changing what it
says.

A terminal acts on some characters instead of showing them: an escape sequence recolours or
moves the cursor, a bidi override (U+202E) reverses everything after it, a zero-width character
hides text. `printable` writes each of those as its Python escape (`\\x1b`, `\\u202e`) and doubles
the backslash, so the escapes cannot be mistaken for text that was scanned; everything else,
Arabic, Hebrew and Chinese included, stays as it is. The command line prints through it and the
screens show data through it (`on_screen` keeps a screen's own line breaks). Markup is a
separate matter: the widgets never read data as markup at all.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

# Characters a terminal acts on or hides: controls (C0, DEL, C1), format characters (bidi
# overrides, zero widths), line and paragraph separators, and lone surrogates.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(text: str) -> str:
    r"""`text` safe to print: each unsafe character as \xNN, \uNNNN or \UNNNNNNNN, and the
    backslash doubled, so the escapes cannot be mistaken for text that was scanned."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escaped(char) for char in text)


def on_screen(text: str) -> str:
    """`text` safe for a widget: `printable` line by line, the line breaks kept."""
    if text.isprintable() and "\\" not in text:
        return text
    return "\n".join(printable(line) for line in text.split("\n"))


def _escaped(char: str) -> str:
    if char == "\\":
        return "\\\\"
    if unicodedata.category(char) not in UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def json_line(obj: dict[str, Any]) -> str:
    """`obj` as one compact JSON line (no newline); unsafe characters in its strings written as
    JSON's own escapes, so the data decodes unchanged and the terminal never acts on them."""
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if line.isprintable():  # the quick test passes for almost every line
        return line
    return "".join(_json_escaped(char) for char in line)


def _json_escaped(char: str) -> str:
    """In json.dumps' output unsafe characters appear only inside strings: escape them there
    the way JSON does (a pair of surrogate escapes beyond the first plane)."""
    if unicodedata.category(char) not in UNSAFE_CATEGORIES:
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
