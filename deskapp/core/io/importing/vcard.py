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

_PROPERTY = re.compile(r"^(?:([A-Za-z0-9-]+)\.)?([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$", re.S)
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")  # Apple's built-in labels: _$!<Mobile>!$_
# Properties that hold nothing a person would miss; any other property the desk doesn't read is named in
# the import summary as not imported (under its own name: URL, PHOTO, X-SOCIALPROFILE, ...).
_SILENT = frozenset(
    {"VERSION", "PRODID", "REV", "N", "X-ABUID", "X-ABADR", "X-ABLABEL", "KIND", "SOURCE", "X-ABSHOWAS", "CLIENTPIDMAP"}
)
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


def _label(params: dict[str, str], group_label: str | None) -> str:
    """A value's label: Apple's X-ABLabel for its item group, else its TYPE (pref and internet left out)."""
    if group_label:
        apple = _APPLE_LABEL.match(group_label)
        return (apple[1] if apple else group_label).strip()[:64]
    types = [t for t in params.get("TYPE", "").split(",") if t and t not in ("pref", "internet", "voice")]
    return ",".join(types)[:64]


def _address(value: str) -> dict[str, str]:
    """ADR: post office box; extended address; street; locality; region; postal code; country."""
    box, extended, street, city, region, postcode, country, *_ = [*split_unescaped(value, ";"), *[""] * 7]
    parts = [p.strip() for p in (street, extended, box) if p.strip()]
    out = {"street": ", ".join(parts), "city": city, "region": region, "postcode": postcode, "country": country}
    return {k: v.strip() for k, v in out.items() if v.strip()}


def _card_values(props: list[tuple[str | None, str, dict[str, str], str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    labels = {group: value for group, name, _, value in props if group and name == "X-ABLABEL"}
    emails: list[tuple[int, int, dict[str, str]]] = []
    phones: list[tuple[int, int, dict[str, str]]] = []
    addresses: list[tuple[int, int, dict[str, str]]] = []
    for group, name, params, value in props:
        label = labels.get(group) if group else None
        if name == "FN":
            out["name"] = unescape(value)
        elif name == "N" and not any(p[1] == "FN" for p in props):
            family, given, additional, *_ = [*split_unescaped(value, ";"), "", "", ""]
            out["name_parts"] = " ".join(p for p in (given, additional, family) if p.strip())
        elif name == "ORG":
            out["company"] = split_unescaped(value, ";")[0]
        elif name == "EMAIL":
            item = {"value": unescape(value), "label": _label(params, label)}
            emails.append((_rank(params, ("internet", "home", "work")), len(emails), item))
        elif name == "TEL":
            number = value[4:] if value.lower().startswith("tel:") else unescape(value)
            item = {"value": number, "label": _label(params, label)}
            phones.append((_rank(params, ("cell", "mobile", "voice", "home", "work")), len(phones), item))
        elif name == "ADR":
            addresses.append((_rank(params, ("home", "work")), len(addresses), _address(value)))
        elif name == "BDAY":
            out["birthday"] = _iso_date(value)
        elif name in ("ANNIVERSARY", "X-ABDATE"):
            what = _label({}, label).lower() if label else "anniversary"
            out.setdefault("special_dates", []).append({"label": what, "date": _iso_date(value)})
        elif name == "LANG":
            out.setdefault("language", unescape(value))
        elif name == "NOTE":
            out["notes"] = unescape(value)
        elif name == "CATEGORIES":
            out["tags"] = [t for t in split_unescaped(value, ",") if t.strip()]
        elif name == "UID":
            out["external_id"] = unescape(value)
        elif name.startswith("X-DESKAPP-"):
            out[name[len("X-DESKAPP-") :].lower().replace("-", "_")] = unescape(value)
        elif name not in _SILENT and value.strip():
            out.setdefault(name, value[:200])
    if emails:
        out["email"] = [item for *_, item in sorted(emails, key=lambda e: e[:2])]
    if phones:
        out["phone"] = [item for *_, item in sorted(phones, key=lambda p: p[:2])]
    if addresses:
        out.update(min(addresses, key=lambda a: a[:2])[2])
    return out


def _iso_date(value: str) -> str:
    """ISO text for a vCard date; Apple writes a day without a year in the year 1604 ("--MM-DD" here)."""
    compact = _COMPACT_DATE.match(value.strip())
    day = "-".join(compact.groups()) if compact else value.strip().split("T")[0]
    return "--" + day[5:] if day.startswith("1604-") else day


def read_cards(lines: Iterable[str]) -> Iterator[Record]:
    props: list[tuple[str | None, str, dict[str, str], str]] | None = None
    raw: list[str] = []
    start = 0
    for number, text in _unfold(lines):
        found = _PROPERTY.match(text.lstrip("\ufeff"))
        if not found:
            if props is not None and text.strip():
                raw.append(text)
            continue
        group, name, param_text, value = found[1], found[2].upper(), found[3], found[4]
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
        props.append((group, name, params, _decode(value, params)))
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
