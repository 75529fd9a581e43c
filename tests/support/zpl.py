"""ZPL read back field by field, so tests can check what a printer would print.

There is no offline ZPL renderer in our stack; the app only writes ZPL, so this reader lives
with the tests. It knows the commands our documents use (^FO/^FT, ^A, ^B…, ^BY, ^FB, ^FH, ^FR,
^FD, ^FS, ^CI, ^PW, ^LL) and refuses text whose ^XA … ^XZ formats do not pair up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class ZplSyntaxError(ValueError):
    """The text is not a sequence of well-formed ^XA … ^XZ label formats."""


@dataclass(frozen=True)
class ZplField:
    """One printed field (text or barcode) of a label, as its ^FD data would print."""

    x: int
    y: int
    data: str
    font: str | None = None
    font_height: int | None = None
    barcode: str | None = None
    barcode_height: int | None = None
    module_width: int | None = None
    interpretation_line: bool = False
    block_width: int | None = None
    reverse: bool = False


@dataclass
class ZplLabel:
    """One ^XA … ^XZ format: its commands in order (e.g. "^CI28") and its fields."""

    commands: list[str] = field(default_factory=list)
    fields: list[ZplField] = field(default_factory=list)
    charset: int | None = None
    print_width: int | None = None
    label_length: int | None = None


_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_COMMAND = re.compile(r"([\^~])([^\^~]{0,2})([^\^~]*)", re.S)


def _int(value: str, default: int | None = None) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else default


def _params(text: str) -> list[str]:
    return text.split(",")


def _decode_hex(data: str, indicator: str) -> str:
    """Undo ^FH escapes: `indicator` followed by two hex digits is one byte of UTF-8."""
    out = bytearray()
    index = 0
    while index < len(data):
        pair = data[index + 1 : index + 3]
        if data[index] == indicator and _HEX_PAIR.fullmatch(pair):
            out.append(int(pair, 16))
            index += 3
        else:
            out += data[index].encode("utf-8", "surrogatepass")
            index += 1
    return out.decode("utf-8", "replace")


def _decode_block(data: str) -> str:
    r"""Undo ^FB escapes: \\ is a backslash, \& a line break."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "&" else m.group(1), data)


@dataclass
class _FieldState:
    x: int = 0
    y: int = 0
    font: str | None = None
    font_height: int | None = None
    barcode: str | None = None
    barcode_height: int | None = None
    interpretation_line: bool = False
    block_width: int | None = None
    hex_indicator: str | None = None
    reverse: bool = False
    data: str | None = None


def _apply_field_command(state: _FieldState, code: str, params: str) -> None:
    values = _params(params)
    if code in ("FO", "FT"):
        state.x = _int(values[0], 0) or 0
        state.y = (_int(values[1], 0) or 0) if len(values) > 1 else 0
    elif code == "A@":
        state.font = values[3].strip() if len(values) > 3 else None
        state.font_height = _int(values[1]) if len(values) > 1 else None
    elif code.startswith("A"):
        state.font = code[1:]
        state.font_height = _int(values[1]) if len(values) > 1 else None
    elif code.startswith("B") and code != "BY":
        state.barcode = code
        state.barcode_height = _int(values[1]) if len(values) > 1 else None
        state.interpretation_line = (values[2].strip() if len(values) > 2 else "Y") != "N"
    elif code == "FB":
        state.block_width = _int(values[0])
    elif code == "FH":
        state.hex_indicator = params[:1] or "_"
    elif code == "FR":
        state.reverse = True
    elif code == "FD":
        state.data = params


def _finished_field(state: _FieldState, module_width: int | None) -> ZplField | None:
    if state.data is None:
        return None
    data = state.data
    if state.hex_indicator:
        data = _decode_hex(data, state.hex_indicator)
    if state.block_width is not None:
        data = _decode_block(data)
    return ZplField(
        x=state.x,
        y=state.y,
        data=data,
        font=state.font,
        font_height=state.font_height,
        barcode=state.barcode,
        barcode_height=state.barcode_height,
        module_width=module_width if state.barcode else None,
        interpretation_line=state.interpretation_line if state.barcode else False,
        block_width=state.block_width,
        reverse=state.reverse,
    )


def parse_zpl_labels(zpl: str) -> list[ZplLabel]:
    """Read ZPL back into labels and fields; raise ZplSyntaxError if ^XA/^XZ do not pair up.

    Line breaks are ignored, as a printer ignores them. ~ commands (~HS…) may stand between
    labels; anything else outside ^XA … ^XZ is refused.
    """
    labels: list[ZplLabel] = []
    label: ZplLabel | None = None
    state = _FieldState()
    module_width: int | None = None
    text = zpl.replace("\r", "").replace("\n", "")
    first = min((i for i in (text.find("^"), text.find("~")) if i >= 0), default=len(text))
    if text[:first].strip():
        raise ZplSyntaxError(f"Text outside a label format: {text[:first]!r}")
    for prefix, code, params in _COMMAND.findall(text[first:]):
        command = prefix + code
        if command == "^XA":
            if label is not None:
                raise ZplSyntaxError("^XA inside a label format")
            label, state, module_width = ZplLabel(), _FieldState(), None
            label.commands.append(command)
            continue
        if label is None:
            if prefix == "~":
                continue
            raise ZplSyntaxError(f"{command} outside ^XA … ^XZ")
        label.commands.append(command + params)
        if command == "^XZ":
            labels.append(label)
            label = None
        elif command == "^CI":
            label.charset = _int(params)
        elif command == "^PW":
            label.print_width = _int(params)
        elif command == "^LL":
            label.label_length = _int(params)
        elif command == "^BY":
            module_width = _int(_params(params)[0])
        elif command == "^FS":
            finished = _finished_field(state, module_width)
            if finished is not None:
                label.fields.append(finished)
            state = _FieldState()
        elif prefix == "^":
            _apply_field_command(state, code, params)
    if label is not None:
        raise ZplSyntaxError("A label format has no ^XZ")
    return labels


def parse_zpl_fields(zpl: str) -> list[ZplField]:
    """Every field of every label in `zpl`, in order."""
    return [item for label in parse_zpl_labels(zpl) for item in label.fields]
