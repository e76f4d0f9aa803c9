"""Amounts whose decimal separator is ambiguous: `12.345` is twelve and a bit in one country, twelve thousand
in another.

A lone separator followed by exactly three digits can be either. The file's other amounts usually say which
it uses (`1.234,50` or `12,50` settle a decimal comma; `1,234.50` or `12.50` a decimal point; `1,234,567`
says a comma groups), and so can the user with `--decimal`. Until one of them has, such an amount is a row
error rather than a guess: reading `12,345` as 12345 where 12.35 was meant is a silent factor of 1,000.
Amounts earlier in the file settle it (the import streams, so later ones come too late for the row at hand).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from deskapp.core.io.importing import cleaners as c
from deskapp.core.records import ValidationFailed

DECIMALS = (".", ",")
_SEPARATORS = re.compile(r"[,.]")
_NOISE = re.compile(r"[^\d,.\-]")


def _settles(cleaned: str) -> str | None:
    """The decimal separator this amount proves, if it proves one."""
    seps = _SEPARATORS.findall(cleaned)
    if not seps:
        return None
    kinds = set(seps)
    if len(kinds) == 2:
        return str(seps[-1])
    sep = str(seps[0])
    if len(seps) > 1:
        return "," if sep == "." else "."  # "1.234.567": the dot groups, so the comma is the decimal
    decimals = cleaned.rsplit(sep, 1)[1]
    return sep if 1 <= len(decimals) <= 2 else None


def _ambiguous(cleaned: str) -> str | None:
    """The separator of "12.345" / "12,345" (one separator, three digits after it), else None."""
    seps = _SEPARATORS.findall(cleaned)
    if len(seps) != 1:
        return None
    head, tail = cleaned.split(seps[0])
    return seps[0] if len(tail) == 3 and tail.isdigit() and head.strip("-").isdigit() else None


class AmountReader:
    """Money cells of one file, read with the decimal separator the user gave or the file has shown."""

    def __init__(self, decimal: str | None = None) -> None:
        if decimal is not None and decimal not in DECIMALS:
            raise ValueError(f"--decimal is . or , (not {decimal!r})")
        self.explicit = decimal
        self.settled: str | None = None

    def read(self, field: str, value: Any, *, required: bool = True, allow_negative: bool = False) -> Decimal | None:
        if isinstance(value, str) and ("," in value or "." in value):
            cleaned = _NOISE.sub("", value)
            decimal = self.explicit or self.settled
            sep = _ambiguous(cleaned)
            if sep is not None:
                if decimal is None:
                    other = "," if sep == "." else "."
                    raise ValidationFailed.one(
                        field,
                        value,
                        f"is ambiguous: {sep} may separate thousands or decimals; say which with "
                        f"--decimal {sep} or --decimal {other}",
                    )
                # A Decimal skips `parse_amount`, which would read any three digits after a lone separator as
                # thousands.
                exact = Decimal(cleaned.replace(sep, ".") if decimal == sep else cleaned.replace(sep, ""))
                return c.clean_amount(field, exact, required=required, allow_negative=allow_negative)
            if self.settled is None and self.explicit is None:
                self.settled = _settles(cleaned)
        return c.clean_amount(field, value, required=required, allow_negative=allow_negative)
