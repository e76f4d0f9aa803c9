"""On create (or edit, or import of one record): which existing customers is this probably?

A handful of small indexed queries gather candidates (the external id; addresses that deliver to the same
mailbox; the phone and the name through the search index), and each candidate is scored like any pair
(`matching.score_pair`). Never a scan of the whole table per call: on 100,000 customers a check takes a
few milliseconds. A batch of many records (an import) should build a `duplicates.DuplicateIndex` once
instead and ask it per row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlmodel import Session, col

from deskapp.core.customers import escape_like, get_customer, match_ids, to_row, top_ids
from deskapp.core.hygiene.matching import (
    DEFAULT_MIN_SCORE,
    DOTLESS_DOMAINS,
    Profile,
    email_key,
    make_profile,
    score_pair,
)
from deskapp.core.records import (
    Customer,
    CustomerRow,
    Settings,
    ValidationFailed,
    clean_date,
    clean_phone,
    load_settings,
    phone_region_for,
)

SEARCH_CANDIDATES = 50  # the best matches from the search index (by name, by phone) that are scored


@dataclass(frozen=True)
class LikelyDuplicate:
    """An existing customer that a new record probably duplicates; `certain` when the external id or the
    mailbox is the same (those are always reported, whatever the score)."""

    customer: CustomerRow
    score: int
    reasons: tuple[str, ...]
    certain: bool


def profile_of(customer: Customer) -> Profile:
    return make_profile(
        customer.id or 0,
        customer.name,
        email=customer.email,
        phone=customer.phone,
        company=customer.company,
        birthday=customer.birthday,
        external_id=customer.external_id,
    )


def profile_from_fields(fields: Mapping[str, Any], settings: Settings, *, customer_id: int = 0) -> Profile:
    """A profile from what a person typed or a file held; fields that don't clean are left out (the
    check must never stop a create: the create's own validation reports them)."""

    def cleaned(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (ValidationFailed, ValueError):
            return None

    region = cleaned(phone_region_for, fields.get("country"), settings.phone_region) or settings.phone_region
    phone = cleaned(clean_phone, fields.get("phone"), region)
    return make_profile(
        customer_id,
        str(fields.get("name") or ""),
        email=str(fields.get("email") or ""),
        phone=phone[0] if phone else "",
        company=str(fields.get("company") or ""),
        birthday=cleaned(clean_date, "birthday", fields.get("birthday")),
        external_id=str(fields.get("external_id") or "").strip() or None,
    )


def _first_letter(column: Any, letter: str) -> Any:
    """Rows whose value starts with this letter in either case, as index ranges (no function per row)."""
    ranges = [and_(column >= c, column < chr(ord(c) + 1)) for c in dict.fromkeys((letter.lower(), letter.upper()))]
    return or_(*ranges)


def _same_mailbox(key: str) -> Any:
    """Stored addresses that deliver to the same mailbox as `key` (an `email_key`). The local part starts
    with the key's first letter whatever dots, tags or case it has, so an index range narrows the rows
    before the per-row folding is applied."""

    local, _, domain = key.rpartition("@")
    stored = func.lower(Customer.email)
    if domain not in DOTLESS_DOMAINS.values():
        same = or_(stored == key, stored.like(f"{escape_like(local)}+%@{escape_like(domain)}", escape="\\"))
    else:
        dotless = func.replace(stored, ".", "")
        aliases = [alias.replace(".", "") for alias, canonical in DOTLESS_DOMAINS.items() if canonical == domain]
        same = or_(
            *(dotless == f"{local}@{flat}" for flat in aliases),
            *(dotless.like(f"{escape_like(local)}+%@{flat}", escape="\\") for flat in aliases),
        )
    return and_(_first_letter(Customer.email, local[0]), same)


def _fts_mailbox(key: str) -> str | None:
    """An FTS5 query (SQLite) for addresses that may deliver to `key`'s mailbox: the index holds the words
    of each address, so the stored address has the key's domain words, and its local part's words run
    together to the key's local part (first word a prefix of it, last word a suffix). None when the key
    has no words to look for."""
    local, _, domain = key.rpartition("@")
    words = re.findall(r"[a-z0-9]+", local)
    if not words:
        return None

    def anyof(terms: list[str]) -> str:
        return "(" + " OR ".join(f'"{t}"' for t in dict.fromkeys(terms)) + ")"

    if domain in DOTLESS_DOMAINS.values():
        heads = [local[:i] for i in range(1, len(local) + 1)]
        tails = [local[i:] for i in range(len(local))]
        hosts = [alias.split(".")[0] for alias, canonical in DOTLESS_DOMAINS.items() if canonical == domain]
        return f"email : {anyof(heads)} AND email : {anyof(tails)} AND email : {anyof(hosts)}"
    parts = words + re.findall(r"[a-z0-9]+", domain)
    return "email : (" + " AND ".join(f'"{p}"' for p in parts) + ")"


def _mailbox_ids(session: Session, key: str) -> set[int]:
    """Customers whose address delivers to the same mailbox as `key`: candidates from the search index
    (SQLite) or an index range (elsewhere), then checked exactly with `email_key`."""
    query = _fts_mailbox(key) if session.get_bind().dialect.name == "sqlite" else None
    if query is not None:
        rows = session.execute(
            text(
                "SELECT c.id, c.email FROM customer_fts JOIN customer c ON c.id = customer_fts.rowid "
                "WHERE customer_fts MATCH :q"
            ),
            {"q": query},
        )
    else:
        rows = session.execute(select(col(Customer.id), col(Customer.email)).where(_same_mailbox(key)))
    return {r[0] for r in rows if email_key(r[1]) == key}


def _candidate_ids(session: Session, probe: Profile) -> set[int]:

    ids: set[int] = set()
    if probe.external_id:
        by_external = select(col(Customer.id)).where(col(Customer.external_id) == probe.external_id)
        ids.update(r[0] for r in session.execute(by_external))
    if probe.email_key:
        ids.update(_mailbox_ids(session, probe.email_key))
    for words in filter(None, (probe.phone, " ".join(probe.tokens))):
        fast = top_ids(session, words, SEARCH_CANDIDATES)  # SQLite: FTS5's own ORDER BY rank LIMIT
        if fast is not None:
            ids.update(fast)
            continue
        ranked = match_ids(session, words)
        if ranked is not None:
            best = select(ranked.c.id).order_by(ranked.c.rank, ranked.c.id).limit(SEARCH_CANDIDATES)
            ids.update(r[0] for r in session.execute(best))
    return ids


def likely_duplicates_of(
    session: Session,
    fields: Mapping[str, Any],
    *,
    settings: Settings | None = None,
    min_score: int = DEFAULT_MIN_SCORE,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[LikelyDuplicate]:
    """Existing customers that the record about to be created (or edited: pass `exclude_id`) probably
    duplicates, best first. A shared external id or mailbox is always reported; the rest when they score
    at least `min_score`. Archived customers count: a lost customer coming back is worth knowing."""

    settings = settings or load_settings(session)
    probe = profile_from_fields(fields, settings)
    ids = _candidate_ids(session, probe) - {exclude_id}
    if not ids:
        return []
    found = []
    for customer in session.execute(select(Customer).where(col(Customer.id).in_(ids))).scalars():
        other = profile_of(customer)
        score, reasons = score_pair(probe, other) or (0, ())
        certain = bool(
            (probe.external_id and probe.external_id == other.external_id)
            or (probe.email_key and probe.email_key == other.email_key)
        )
        if certain or score >= min_score:
            found.append(LikelyDuplicate(to_row(customer), score, reasons, certain))
    found.sort(key=lambda d: (not d.certain, -d.score, d.customer.id))
    return found[:limit]


def pair_score(session: Session, first_id: int, second_id: int) -> tuple[int, tuple[str, ...]]:
    """How alike two given customers are (score, reasons): shown before a merge someone asked for."""

    one, two = profile_of(get_customer(session, first_id)), profile_of(get_customer(session, second_id))
    return score_pair(one, two) or (0, ())
