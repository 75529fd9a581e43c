"""Tracking numbers: the next one from a carrier's electronic-waybill range, and the patterns
the barcode parser recognises them by.

A carrier issues ranges of numbers (TrackingPool rows); a number is prefix + the zero-padded
serial + the carrier's check digit, where its Carrier.check_scheme names one + suffix. The serial
is taken by compare-and-set on `next_number`, so two terminals (processes, on SQLite or
PostgreSQL) never print the same number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from sqlalchemy import select, update
from sqlmodel import Session, col

from warehouse_tui.domain.barcodes import TRACKING_CHECKS, TrackingPattern
from warehouse_tui.i18n import _
from warehouse_tui.store.models import Carrier, TrackingPool

log = logging.getLogger(__name__)

MAX_ALLOCATION_TRIES = 100
"""Each failed compare-and-set means another terminal took a number; this only bounds a storm."""


class TrackingError(Exception):
    """No tracking number can be given; the message is for the operator."""


class TrackingPoolExhausted(TrackingError):
    """Every range of the carrier is used up."""


# --- check digits ----------------------------------------------------------------------------


def gs1_mod10_digit(digits: str) -> str:
    """GS1 mod 10: weights 3, 1, 3 … from the right of the digits before the check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def upu_s10_digit(serial: str) -> str:
    """UPU S10: mod 11 over the 8-digit serial, weights 8 6 4 2 3 5 9 7; 10 → 0, 11 → 5."""
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True)) % 11
    return str({10: 0, 11: 5}.get(remainder, remainder))


def ups_1z_digit(body: str) -> str:
    """UPS 1Z: the 15 characters after "1Z" (letters (A=2 …) mod 10), weights 1, 2 alternately."""
    values = [int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10 for c in body]
    total = sum(values[0::2]) + 2 * sum(values[1::2])
    return str((10 - total % 10) % 10)


def mod7_digit(digits: str) -> str:
    return str(int(digits) % 7)


def _check_digit(scheme: str, prefix: str, serial: str) -> str:
    """The check digit of `scheme` for a number made of `prefix` and the padded `serial`."""
    if scheme == "upu_s10":
        return upu_s10_digit(serial)
    if scheme == "ups_1z":
        return ups_1z_digit((prefix + serial).removeprefix("1Z"))
    digits = prefix + serial
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(digits)
    return gs1_mod10_digit(digits) if scheme == "gs1_mod10" else mod7_digit(digits)


def format_tracking(prefix: str, number: int, width: int, suffix: str, scheme: str = "") -> str:
    """prefix + number padded to `width` (+ the check digit of `scheme`) + suffix.

    The result is checked with the parser's own check of `scheme`, so a number printed on a
    label is always one the load screen accepts; a range that cannot fit its carrier's scheme
    (an S10 range without its two letters, say) is a TrackingError.
    """
    serial = str(number).zfill(width)
    if not scheme:
        return f"{prefix}{serial}{suffix}"
    check = TRACKING_CHECKS.get(scheme)
    unfit = TrackingError(
        _("Tracking range {prefix}…{suffix} does not fit check scheme {scheme}").format(
            prefix=prefix, suffix=suffix, scheme=scheme
        )
    )
    if check is None:
        raise unfit
    try:
        tracking = f"{prefix}{serial}{_check_digit(scheme, prefix, serial)}{suffix}"
    except (ValueError, IndexError) as error:
        raise unfit from error
    if not check(tracking):
        raise unfit
    return tracking


# --- allocation --------------------------------------------------------------------------------


def allocate_tracking(session: Session, carrier_code: str) -> str:
    """Take the next tracking number from `carrier_code`'s ranges (oldest range first), in the
    caller's transaction. Raises TrackingPoolExhausted when every range is used up."""
    carrier = session.scalars(select(Carrier).where(col(Carrier.code) == carrier_code)).first()
    if carrier is None:
        raise TrackingError(_("Unknown carrier {carrier}").format(carrier=carrier_code))
    for _attempt in range(MAX_ALLOCATION_TRIES):
        # Plain columns, not entities: the identity map would hand back a stale next_number.
        pool = session.execute(
            select(
                col(TrackingPool.id),
                col(TrackingPool.next_number),
                col(TrackingPool.prefix),
                col(TrackingPool.suffix),
                col(TrackingPool.width),
            )
            .where(col(TrackingPool.carrier_id) == carrier.id)
            .where(col(TrackingPool.next_number) <= col(TrackingPool.last_number))
            .order_by(col(TrackingPool.id))
            .limit(1)
        ).first()
        if pool is None:
            raise TrackingPoolExhausted(
                _("The tracking numbers of {carrier} are used up: load a new waybill range").format(
                    carrier=carrier.name or carrier_code
                )
            )
        taken = session.exec(
            update(TrackingPool)
            .where(col(TrackingPool.id) == pool.id)
            .where(col(TrackingPool.next_number) == pool.next_number)
            .values(next_number=pool.next_number + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            return format_tracking(
                pool.prefix, pool.next_number, pool.width, pool.suffix, carrier.check_scheme
            )
    raise TrackingError(
        _("Could not take a tracking number of {carrier}: too many terminals at once").format(
            carrier=carrier_code
        )
    )


# --- recognising numbers -------------------------------------------------------------------------


def tracking_patterns(session: Session) -> list[TrackingPattern]:
    """The carriers' tracking-number patterns for domain.barcodes.parse_scan.

    A pattern that is not a valid regular expression is logged and left out, so one bad carrier
    row cannot stop every scan on the floor.
    """
    patterns = []
    rows = session.execute(
        select(col(Carrier.code), col(Carrier.tracking_pattern), col(Carrier.check_scheme))
        .where(col(Carrier.tracking_pattern) != "")
        .order_by(col(Carrier.id))
    ).all()
    for code, pattern, scheme in rows:
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            log.warning("carrier %s: tracking pattern %r is not valid: %s", code, pattern, error)
            continue
        check: Callable[[str], bool] | None = TRACKING_CHECKS.get(scheme) if scheme else None
        patterns.append(TrackingPattern(carrier=code, pattern=compiled, check=check))
    return patterns
