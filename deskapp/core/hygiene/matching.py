"""How two customer records are compared: normalised keys, blocking keys, and the pair score.

Pure functions over plain values (no database), shared by duplicate finding, the on-create check and the
importer. The score adds up evidence, as record-linkage does (Fellegi-Sunter in spirit, hand-weighted):

    same e-mail +60 | different e-mails -10      same phone +50 | different phones -10
    name similarity s (0-100): +1.76 x (s - 75) above 75 (at most +44), -(75 - s) below (at least -40)
    same company +20      same birthday +20 | different birthdays -40

clamped to 0-100. A name alone, however exact, reaches 44: two people called Anna Berg with nothing else
in common are not the same person, and in a desk of 100,000 the common names repeat by the hundred. A
name plus a company, a phone or an e-mail passes the default threshold of 60. Names 75% alike are where
"one word the same, the other different" lands (Anna Berg, Anna Nagy), so a shared family or office
mailbox with two different people on it stays below the threshold too.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from deskapp.core.records import fold

DEFAULT_MIN_SCORE = 60
NAME_ALIKE = 75  # name similarity below this counts against a pair
MAX_NAME_POINTS = 44.0  # what the most alike names add: less than the default threshold, on purpose
# Blocking keys built from the name alone: worth comparing only when a name alone could reach min_score.
NAME_ONLY_KEYS = ("n:", "i:", "s:")

# Providers that ignore dots in the local part (and, like nearly all providers, a "+tag").
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Letters NFKD does not decompose; folded by hand so "Søren" meets "Soren".
_EXTRA_FOLD = str.maketrans({"ø": "o", "æ": "ae", "đ": "d", "ł": "l", "þ": "th", "ð": "d", "ı": "i", "œ": "oe"})
_LETTERS = re.compile(r"[^\W\d_]+")
_WORDS = re.compile(r"[^\W_]+")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "herr", "frau", "fru", "dhr", "mevr"})
# Legal forms and joining words that say nothing about which company it is.
COMPANY_NOISE = frozenset(
    "ltd limited inc llc llp gmbh ag kg ab oy oyj kft bt zrt nyrt rt as asa aps bv nv sa sas sarl srl spa plc co "
    "company corp corporation pty pte cc the and und och og ja es et y tarsa partners".split()
)


def fold_name(text: str) -> str:
    return fold(text).translate(_EXTRA_FOLD)


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name, folded (case, accents), in written order, titles dropped."""
    return tuple(t for t in _LETTERS.findall(fold_name(name)) if t not in TITLES)


def email_key(email: str) -> str:
    """The mailbox an address delivers to: lower-case, "+tag" cut, dots dropped where the provider
    ignores them (gmail.com, googlemail.com); "" for no or a malformed address. Not cached (unlike the
    name helpers): addresses hardly repeat, so a cache only held every one of an import's, 40 MB at 200k."""
    local, _, domain = email.strip().lower().rpartition("@")
    if not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}" if local else ""


@lru_cache(maxsize=50_000)
def company_key(company: str) -> str:
    """A company name without case, accents, punctuation and legal form: "Kovács és Társa Kft." -> "kovacs"."""
    return " ".join(t for t in _WORDS.findall(fold_name(company)) if t not in COMPANY_NOISE)


_SOUNDEX_CODES = {
    letter: digit
    for letters, digit in (("bfpv", "1"), ("cgjkqsxz", "2"), ("dt", "3"), ("l", "4"), ("mn", "5"), ("r", "6"))
    for letter in letters
}


@lru_cache(maxsize=100_000)
def soundex(word: str) -> str:
    """American Soundex of a folded word: spellings that sound alike share a code (Jonh and John: J500)."""
    if not word:
        return ""
    out, previous = [], _SOUNDEX_CODES.get(word[0], "")
    for letter in word[1:]:
        code = _SOUNDEX_CODES.get(letter)
        if code is None:
            if letter not in "hw":  # a vowel separates two equal codes; h and w do not
                previous = ""
            continue
        if code != previous:
            out.append(code)
        previous = code
    return (word[0] + "".join(out) + "000")[:4]


class Profile(NamedTuple):
    """One customer reduced to what matching compares (a named tuple: 100,000 are built per search)."""

    id: int
    name: str
    tokens: tuple[str, ...]
    name_key: str  # tokens sorted and joined: word order no longer matters
    written: str  # tokens in written order
    email: str  # as stored, lower-cased
    email_key: str
    phone: str  # E.164
    company: str
    birthday: date | None
    external_id: str | None
    name_keys: tuple[str, ...]  # the blocking keys built from the name alone


@lru_cache(maxsize=200_000)
def _name_parts(name: str) -> tuple[tuple[str, ...], str, str, tuple[str, ...]]:
    """Everything derived from a name, cached by the name: desks repeat names a lot."""
    tokens = name_tokens(name)
    name_key = " ".join(sorted(tokens))
    keys = ["n:" + name_key] if name_key else []
    if len(tokens) >= 2:
        first, last = tokens[0], tokens[-1]
        keys.append(f"i:{first}|{last[0]}")
        keys.append(f"i:{last}|{first[0]}")
        keys.append("s:" + " ".join(sorted(soundex(t) for t in tokens)))
    return tokens, name_key, " ".join(tokens), tuple(keys)


def make_profile(
    customer_id: int,
    name: str,
    *,
    email: str = "",
    phone: str = "",
    company: str = "",
    birthday: date | None = None,
    external_id: str | None = None,
) -> Profile:
    tokens, name_key, written, name_keys = _name_parts(name or "")
    return Profile(
        customer_id,
        name or "",
        tokens,
        name_key,
        written,
        (email or "").strip().lower(),
        email_key(email) if email else "",
        phone or "",
        company_key(company) if company else "",
        birthday,
        external_id or None,
        name_keys,
    )


def blocking_keys(p: Profile, *, name_only: bool = True) -> list[str]:
    """The keys a record is filed under; only records sharing a key are ever compared.

    Each key is built to survive one kind of difference between copies of the same person: the e-mail
    key survives case, dots and +tags; the phone key formatting (it is E.164); the sorted-name key (n:)
    word order and accents; first-token+last-initial (i:) and Soundex (s:) keys a typo in one word; the
    company and birthday keys pair a name with something else that identifies the person. The keys from
    the name alone (`name_only`) are left out when a name alone can't reach the score asked for.
    """
    keys = ["x:" + p.external_id] if p.external_id else []
    if p.email_key:
        keys.append("e:" + p.email_key)
    if p.phone:
        keys.append("p:" + p.phone)
    if name_only:
        keys.extend(p.name_keys)
    if p.company and p.tokens:
        keys.extend(f"c:{p.company}|{t}" for t in p.tokens[:4])
    if p.birthday and p.tokens:
        keys.append(f"b:{p.birthday.isoformat()}|{''.join(sorted(t[0] for t in p.tokens))}")
    return keys


_fuzz: Any = None


def _rapidfuzz() -> Any:
    """rapidfuzz, imported on first use so a desk that never looks for duplicates never loads it."""
    global _fuzz
    if _fuzz is None:
        from rapidfuzz import fuzz  # lazy: only a duplicate search needs it

        _fuzz = fuzz
    return _fuzz


def name_similarity(a: Profile, b: Profile) -> int:
    """0-100: how alike two names are, ignoring case, accents and word order; an extra middle name
    costs a little (95), one typo in a short name about ten points."""
    if not a.name_key or not b.name_key:
        return 0
    if a.name_key == b.name_key:
        return 100
    fuzz = _rapidfuzz()
    best = max(fuzz.ratio(a.name_key, b.name_key), fuzz.ratio(a.written, b.written))
    if len(a.tokens) >= 2 and len(b.tokens) >= 2 and len(a.tokens) != len(b.tokens):
        best = max(best, 0.95 * fuzz.token_set_ratio(a.name_key, b.name_key))
    if best < 92 and any(len(t) == 1 for t in a.tokens + b.tokens):
        expanded = _expand_initials(a.tokens, b.tokens), _expand_initials(b.tokens, a.tokens)
        best = max(best, 0.92 * fuzz.ratio(*(" ".join(sorted(t)) for t in expanded)))
    return int(round(best))


def _expand_initials(tokens: tuple[str, ...], other: tuple[str, ...]) -> list[str]:
    """Each initial ("a" of "A. Berg") replaced by a word of the other name that it could stand for."""
    unused = [t for t in other if len(t) > 1 and t not in tokens]
    out = []
    for token in tokens:
        match = next((t for t in unused if len(token) == 1 and t[0] == token), None)
        if match is not None:
            unused.remove(match)
        out.append(match or token)
    return out


def _same_name(a: Profile, b: Profile) -> str:
    """Say how two names that compare equal differ as written, so nobody wonders why they matched."""
    if a.name.strip().casefold() == b.name.strip().casefold():
        return "same name"
    ignored = []
    if a.written != b.written:
        ignored.append("word order")
    if sorted(_LETTERS.findall(a.name.casefold())) != sorted(_LETTERS.findall(b.name.casefold())):
        ignored.append("accents")
    return f"same name (ignoring {' and '.join(ignored) or 'case'})"


def exact_evidence(a: Profile, b: Profile) -> tuple[float, list[str]]:
    """Points and reasons from everything but the name (cheap: string equality only)."""
    points, reasons = 0.0, []
    if a.external_id and a.external_id == b.external_id:
        points += 100
        reasons.append("same external id")
    if a.email_key and b.email_key:
        if a.email_key == b.email_key:
            points += 60
            reasons.append("same e-mail" if a.email == b.email else "same e-mail (ignoring case, dots, +tag)")
        else:
            points -= 10
            reasons.append("different e-mails")
    if a.phone and b.phone:
        if a.phone == b.phone:
            points += 50
            reasons.append("same phone")
        else:
            points -= 10
            reasons.append("different phones")
    if a.company and a.company == b.company:
        points += 20
        reasons.append("same company")
    if a.birthday and b.birthday:
        if a.birthday == b.birthday:
            points += 20
            reasons.append("same birthday")
        else:
            points -= 40
            reasons.append("different birthdays")
    return points, reasons


def score_pair(a: Profile, b: Profile, *, min_score: int = 0) -> tuple[int, tuple[str, ...]] | None:
    """(score 0-100, reasons) for two records, or None when the pair can't reach `min_score` (decided
    before the fuzzy name comparison, which is the costly part)."""
    points, reasons = exact_evidence(a, b)
    if points + MAX_NAME_POINTS < min_score:
        return None
    similarity = name_similarity(a, b)
    if similarity >= NAME_ALIKE:
        points += MAX_NAME_POINTS / (100 - NAME_ALIKE) * (similarity - NAME_ALIKE)
        reasons.insert(0, _same_name(a, b) if similarity == 100 else f"name {similarity}% alike")
    else:
        points -= min(40, NAME_ALIKE - similarity)
        reasons.append(f"names differ ({similarity}% alike)")
    score = max(0, min(100, int(round(points))))
    if score < min_score:
        return None
    return score, tuple(reasons)
