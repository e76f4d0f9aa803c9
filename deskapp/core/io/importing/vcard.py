"""vCard in and out: phones' and mail programs' contact files (2.1, 3.0, 4.0 in; 4.0 out).

Reading keeps to what a customer record holds: FN (or N), ORG, EMAIL, TEL, BDAY, NOTE, CATEGORIES, UID,
ANNIVERSARY, plus our own X-DESKAPP-* properties so a desk's export reads back as the same customers.
Old phones write vCard 2.1 with quoted-printable names ("=C3=96d=C3=B6n"); that is decoded here.
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterable, Iterator
from typing import Any

from deskapp.core.io.importing.sources import Record

_PROPERTY = re.compile(r"^(?:[A-Za-z0-9-]+\.)?([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$", re.S)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T.*)?$")


def unescape(text: str) -> str:
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def split_unescaped(text: str, sep: str) -> list[str]:
    return [unescape(part) for part in re.split(rf"(?<!\\){re.escape(sep)}", text)]


def _params(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, raw.split(";")):
        key, _, value = item.partition("=")
        if value:
            name, text = key.upper(), value.strip('"').lower()
            out[name] = f"{out[name]},{text}" if name in out else text
        else:  # vCard 2.1 bare parameters: TEL;CELL;PREF:..., ;QUOTED-PRINTABLE
            name = key.upper()
            if name in ("QUOTED-PRINTABLE", "BASE64"):
                out["ENCODING"] = name.lower()
            else:
                out["TYPE"] = f"{out.get('TYPE', '')},{name.lower()}".strip(",")
    return out


def _decode(value: str, params: dict[str, str]) -> str:
    if params.get("ENCODING") == "quoted-printable":
        charset = params.get("CHARSET", "utf-8")
        try:
            return quopri.decodestring(value.encode("latin-1", "replace")).decode(charset, "replace")
        except LookupError:
            return quopri.decodestring(value.encode("latin-1", "replace")).decode("utf-8", "replace")
    return value


def _unfold(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical lines with the physical line they start on (folded lines joined, QP soft breaks too)."""
    current: str | None = None
    start = 0
    for number, physical in enumerate(lines, start=1):
        text = physical.rstrip("\r\n")
        if current is not None and text[:1] in (" ", "\t"):
            current += text[1:]
            continue
        if current is not None and current.endswith("=") and "QUOTED-PRINTABLE" in current.split(":", 1)[0].upper():
            current = current[:-1] + text
            continue
        if current is not None:
            yield start, current
        current, start = text, number
    if current is not None:
        yield start, current


def _rank(params: dict[str, str], preferred: tuple[str, ...]) -> int:
    types = set(params.get("TYPE", "").split(","))
    score = 0 if params.get("PREF") == "1" or "pref" in types else 1
    return score * 10 + next((i for i, t in enumerate(preferred) if t in types), len(preferred))


def _card_values(props: list[tuple[str, dict[str, str], str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    emails, phones = [], []
    for name, params, value in props:
        if name == "FN":
            out["name"] = unescape(value)
        elif name == "N" and "name" not in out:
            family, given, additional, *_ = [*split_unescaped(value, ";"), "", "", ""]
            out["name_parts"] = " ".join(p for p in (given, additional, family) if p.strip())
        elif name == "ORG":
            out["company"] = split_unescaped(value, ";")[0]
        elif name == "EMAIL":
            emails.append((_rank(params, ("internet", "home", "work")), unescape(value)))
        elif name == "TEL":
            number = value[4:] if value.lower().startswith("tel:") else unescape(value)
            phones.append((_rank(params, ("cell", "mobile", "voice", "home", "work")), number))
        elif name == "BDAY":
            out["birthday"] = _iso_date(value)
        elif name == "ANNIVERSARY":
            out.setdefault("special_dates", [{"label": "anniversary", "date": _iso_date(value)}])
        elif name == "NOTE":
            out["notes"] = unescape(value)
        elif name == "CATEGORIES":
            out["tags"] = [t for t in split_unescaped(value, ",") if t.strip()]
        elif name == "UID":
            out["external_id"] = unescape(value)
        elif name.startswith("X-DESKAPP-"):
            out[name[len("X-DESKAPP-") :].lower().replace("-", "_")] = unescape(value)
    if emails:
        out["email"] = min(emails, key=lambda e: e[0])[1]
    if phones:
        out["phone"] = min(phones, key=lambda p: p[0])[1]
    return out


def _iso_date(value: str) -> str:
    compact = _COMPACT_DATE.match(value.strip())
    return "-".join(compact.groups()) if compact else value.strip().split("T")[0]


def read_cards(lines: Iterable[str]) -> Iterator[Record]:
    props: list[tuple[str, dict[str, str], str]] | None = None
    raw: list[str] = []
    start = 0
    for number, text in _unfold(lines):
        found = _PROPERTY.match(text.lstrip("\ufeff"))
        if not found:
            if props is not None and text.strip():
                raw.append(text)
            continue
        name, param_text, value = found[1].upper(), found[2], found[3]
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            props, raw, start = [], [text], number
            continue
        if props is None:
            continue
        raw.append(text)
        if name == "END" and value.strip().upper() == "VCARD":
            yield Record(start, _card_values(props), raw)
            props = None
            continue
        params = _params(param_text)
        props.append((name, params, _decode(value, params)))
    if props is not None:
        yield Record(start, _card_values(props), raw, "has BEGIN:VCARD but no END:VCARD")


# --- writing ------------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "").replace(",", "\\,").replace(";", "\\;")


def fold_line(line: str) -> str:
    """RFC 6350/5545 folding: at most 75 octets a line, continuation lines start with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def card_text(properties: Iterable[tuple[str, str]]) -> str:
    """One vCard 4.0 from (name-with-params, already escaped value) pairs."""
    lines = ["BEGIN:VCARD", "VERSION:4.0", *(f"{name}:{value}" for name, value in properties), "END:VCARD"]
    return "".join(fold_line(line) for line in lines)
