"""Shopify's orders export: one order over several rows, one row per line item.

The first row of an order holds the order's own values (total, currency, dates, e-mail); the rows after it
repeat the order's Name and fill only the line-item columns. A purchase is the order, so the rows of one
order become one record: the order's total, currency and date, and its line items as the description
("2 x Helmet; 1 x Bell"). Cancelled orders are no purchase and are left out, and said so. The other
columns (shipping, taxes, addresses, ...) stay under their own names, so the summary names them as not
imported rather than losing them in silence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from deskapp.core.io.importing.cleaners import value_key
from deskapp.core.io.importing.sources import Record

# Our field <- Shopify's column (value keys).
ORDER_COLUMNS = {
    "external_id": "name",
    "customer_email": "email",
    "customer_name": "billingname",
    "ordered_at": "createdat",
    "amount": "total",
    "currency": "currency",
}
ITEM_NAME, ITEM_QUANTITY, CANCELLED = "lineitemname", "lineitemquantity", "cancelledat"
_OFFSET = re.compile(r"\s([+-]\d{2})(\d{2})$")  # "2024-03-05 14:22:10 +0100"


def _moment(text: Any) -> Any:
    """Shopify's "2024-03-05 14:22:10 +0100" as ISO 8601 ("2024-03-05 14:22:10+01:00")."""
    return _OFFSET.sub(r"\1:\2", text.strip()) if isinstance(text, str) else text


def order_headers(headers: list[str]) -> list[str]:
    """The columns the grouped records have: our fields, then Shopify's columns we don't read."""
    used = {*ORDER_COLUMNS.values(), ITEM_NAME, ITEM_QUANTITY, CANCELLED}
    return [*ORDER_COLUMNS, "description", *(h for h in headers if value_key(h) not in used)]


def group_orders(headers: list[str], records: Iterable[Record], notices: list[str]) -> Iterator[Record]:
    """One record per order (rows of one order are adjacent in Shopify's export, keyed by Name)."""
    by_key = {value_key(h): h for h in headers}
    rest = order_headers(headers)[len(ORDER_COLUMNS) + 1 :]
    name_column = by_key.get("name", "Name")
    cancelled = 0
    current: list[Record] = []

    def emit(rows: list[Record]) -> Record | None:
        nonlocal cancelled
        first = rows[0]
        if first.problem:
            return first
        get = first.values.get
        if str(get(by_key.get(CANCELLED, ""), "") or "").strip():
            cancelled += 1
            return None
        values: dict[str, Any] = {field: get(by_key.get(key, ""), "") for field, key in ORDER_COLUMNS.items()}
        values["ordered_at"] = _moment(values["ordered_at"])
        items = []
        for row in rows:
            item = str(row.values.get(by_key.get(ITEM_NAME, ""), "") or "").strip()
            quantity = str(row.values.get(by_key.get(ITEM_QUANTITY, ""), "") or "").strip()
            if item:
                items.append(f"{quantity} x {item}" if quantity and quantity != "1" else item)
        values["description"] = "; ".join(items)[:500]
        values.update({column: get(column, "") for column in rest})
        return Record(first.line, values, first.raw)

    for record in records:
        if current and (record.problem or record.values.get(name_column) != current[0].values.get(name_column)):
            grouped = emit(current)
            if grouped is not None:
                yield grouped
            current = []
        current.append(record)
    if current:
        grouped = emit(current)
        if grouped is not None:
            yield grouped
    if cancelled:
        notices.append(f"{cancelled} cancelled order{'s' if cancelled > 1 else ''} left out (no purchase)")
