"""Customer search: the text a person types turned into a safe, ranked index query.

On SQLite the FTS5 table `customer_fts` (kept in sync by triggers, so bulk imports are indexed too) folds
case and accents (`unicode61 remove_diacritics 2`). User text never reaches MATCH raw: FTS5 syntax
(`"`, `-`, `:`, `*`, `AND`, `NEAR`, parentheses) would raise or change the meaning, so the text is cut into
words and each is quoted as a prefix term. On other engines the same words are matched with LIKE (escaped).
"""

from __future__ import annotations

import re

from sqlalchemy import Float, Integer, and_, case, func, literal, select, text
from sqlalchemy.sql import Subquery
from sqlmodel import Session, col

from deskapp.core.records import Customer, fold

# Column weights for bm25: a hit in the name counts most, then company, e-mail, phone, tags, further contacts.
WEIGHTS = (10.0, 4.0, 2.0, 2.0, 1.0, 2.0)
# The accent folding PostgreSQL's search_text trigger applies (migration 0002), for ranking by name there.
PG_FOLD_FROM = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳ"  # noqa: E501
PG_FOLD_TO = "aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuuuuuaaaaggkkoooojggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyy"  # noqa: E501
_PHONE_LIKE = re.compile(r"^[\d\s\-+().]+$")
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(query: str) -> list[str]:
    """The words to look for: folded, de-accented, at most 12; a phone-like query is one digit string."""
    stripped = query.strip()
    if _PHONE_LIKE.match(stripped):
        digits = re.sub(r"\D", "", stripped)
        if len(digits) >= 3:
            return [digits]
    return [w for w in _WORD.findall(fold(stripped)) if w.replace("_", "")][:12]


def fts_expression(terms: list[str]) -> str:
    """A MATCH expression where every term is a quoted prefix: no user text is ever FTS syntax."""
    return " ".join('"' + t.replace('"', '""') + '"*' for t in terms)


def top_ids(session: Session, query: str, n: int) -> list[int] | None:
    """SQLite fast path: the n best-ranked ids straight from FTS5 (`ORDER BY rank LIMIT` is optimised there,
    and skips joining every match to the customer table); None where it does not apply."""
    if not query.strip() or session.get_bind().dialect.name != "sqlite":
        return None
    terms = search_terms(query)
    if not terms:
        return []
    rows = session.execute(
        text("SELECT rowid FROM customer_fts WHERE customer_fts MATCH :q ORDER BY rank LIMIT :n"),
        {"q": fts_expression(terms), "n": n},
    )
    return [r[0] for r in rows]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def match_ids(session: Session, query: str) -> Subquery | None:
    """A subquery (id, rank) of customers matching the text, lower rank first; None for no text."""
    if not query or not query.strip():
        return None
    terms = search_terms(query)
    if not terms:
        return select(literal(0).label("id"), literal(0.0).label("rank")).where(literal(False)).subquery()
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        weights = ", ".join(str(w) for w in WEIGHTS)
        stmt = text(
            f"SELECT rowid AS id, bm25(customer_fts, {weights}) AS rank FROM customer_fts WHERE customer_fts MATCH :q"
        ).bindparams(q=fts_expression(terms))
        return stmt.columns(id=Integer, rank=Float).subquery("ranked")
    if bind.dialect.name == "postgresql":
        return _postgres_match(terms)
    return _like_match(terms)


def _postgres_match(terms: list[str]) -> Subquery:
    """Word-prefix matches in the trigger-kept, folded `search_text` (see migration 0002); a hit at the
    start of the name ranks first, a hit anywhere in the name next, then the rest."""
    conditions = [col(Customer.search_text).like(f"% {escape_like(t)}%", escape="\\") for t in terms]
    folded_name = func.translate(func.lower(col(Customer.name)), PG_FOLD_FROM, PG_FOLD_TO)
    name_text = " " + folded_name
    first = escape_like(terms[0])
    rank = case(
        (folded_name.like(f"{first}%", escape="\\"), 0.0),
        (name_text.like(f"% {first}%", escape="\\"), 1.0),
        else_=2.0,
    )
    return select(col(Customer.id).label("id"), rank.label("rank")).where(and_(*conditions)).subquery("ranked")


def _like_match(terms: list[str]) -> Subquery:
    """Portable fallback: every term must start a word somewhere in the searchable columns."""
    parts = [
        col(Customer.name),
        col(Customer.company),
        col(Customer.email),
        col(Customer.search_phone),
        func.replace(col(Customer.tags), ",", " "),
        col(Customer.search_contacts),
    ]
    haystack = func.lower(" " + func.concat_ws(" ", *parts))
    conditions = [haystack.like(f"% {escape_like(term)}%", escape="\\") for term in terms]
    name_first = func.lower(" " + col(Customer.name)).like(f"% {escape_like(terms[0])}%", escape="\\")
    rank = case((name_first, 0.0), else_=1.0)
    return select(col(Customer.id).label("id"), rank.label("rank")).where(and_(*conditions)).subquery("ranked")


def rebuild_index(session: Session) -> None:
    """Rebuild the SQLite search index from the customer table (after a repair or a raw bulk load)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')"))


def index_in_sync(session: Session) -> bool:
    """Whether the search index holds exactly the customer table's rows (FTS5 integrity check)."""
    if session.get_bind().dialect.name != "sqlite":
        return True
    try:
        session.execute(text("INSERT INTO customer_fts(customer_fts, rank) VALUES ('integrity-check', 1)"))
    except Exception:
        return False
    return True
