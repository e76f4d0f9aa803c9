"""Which column holds which field: headers matched by meaning, not by spelling.

A header is compared by its letters and digits only, lower-cased and without accents, so "E-mail",
"e_mail" and "EMAIL " are one key. Each field lists the keys other systems use for it, best first; a field
can take several columns (Outlook's "Mobile Phone", then "Business Phone") and uses the first non-empty one.
The contact exports of Google (old and new), Outlook and HubSpot are nothing special: their headers are
among the synonyms, and `detect_preset` only names them (and says Outlook writes month-first dates).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from deskapp.core.io.importing.cleaners import value_key
from deskapp.core.io.importing.kinds import KINDS, KindSpec
from deskapp.core.records import DeskError, listed, shorten


class MappingError(DeskError, ValueError):
    """The columns can't be used as given (a required field has no column, a --map names no column)."""


@dataclass(frozen=True)
class FieldSource:
    """Where one field comes from: the first non-empty of `columns`, or all of them joined with spaces."""

    field: str
    columns: tuple[str, ...]
    joined: bool = False

    def describe(self) -> str:
        glue = " + " if self.joined else " | "
        return glue.join(self.columns)


@dataclass
class Mapping:
    kind: str
    sources: dict[str, FieldSource]
    ignored: list[str] = field(default_factory=list)
    preset: str | None = None

    def describe(self) -> list[tuple[str, str]]:
        """(source columns, field) pairs for the report, in the kind's field order."""
        order = {name: i for i, name in enumerate(KINDS[self.kind].field_names())}
        items = sorted(self.sources.values(), key=lambda s: order.get(s.field, 999))
        return [(s.describe(), s.field) for s in items]

    def as_dict(self) -> dict[str, str]:
        return dict(self.describe())


# Known exports, recognised by a few headers each (value keys). Only used to name the file's origin and to
# pick Outlook's month-first dates; the columns themselves map through the synonyms.
PRESETS: tuple[tuple[str, frozenset[str]], ...] = (
    ("deskapp", frozenset({"externalid", "name", "phoneraw", "stage", "cadencedays"})),
    ("google-contacts-old", frozenset({"givenname", "familyname", "email1value", "groupmembership"})),
    ("google-contacts", frozenset({"firstname", "lastname", "email1value", "labels"})),
    ("outlook", frozenset({"firstname", "lastname", "emailaddress", "businessphone", "categories"})),
    ("hubspot", frozenset({"recordid", "firstname", "lastname", "lifecyclestage"})),
    ("shopify-customers", frozenset({"customerid", "acceptsemailmarketing", "defaultaddresscountrycode"})),
    ("shopify-orders", frozenset({"name", "financialstatus", "lineitemname", "total"})),
)
MONTH_FIRST_PRESETS = frozenset({"outlook"})


def detect_preset(headers: Iterable[str]) -> str | None:
    keys = {value_key(h) for h in headers}
    for name, needed in PRESETS:
        if needed <= keys:
            return name
    return None


def _parse_overrides(overrides: Sequence[str], spec: KindSpec) -> list[tuple[str, str]]:
    pairs = []
    for item in overrides:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip():
            raise MappingError(f'--map {shorten(item)!r}: write it as "Source column=field"')
        target = target.strip()
        if target and target not in spec.field_names():
            known = ", ".join(spec.field_names())
            raise MappingError(
                f"--map {shorten(item)!r}: {shorten(target)!r} is not a {spec.name} field (fields: {known})"
            )
        pairs.append((column.strip(), target))
    return pairs


def build_mapping(kind: str, headers: Sequence[str], overrides: Sequence[str] = ()) -> Mapping:
    """Map the file's columns onto the kind's fields; `overrides` ("Column=field", "Column=" to ignore)
    win over the automatic matches."""
    spec = KINDS[kind]
    columns = [h for h in headers if h]
    by_key: dict[str, list[str]] = {}
    for column in columns:
        by_key.setdefault(value_key(column), []).append(column)
    taken: set[str] = set()
    dropped: set[str] = set()  # "Column=" on the command line
    chosen: dict[str, list[str]] = {}
    for column, target in _parse_overrides(overrides, spec):
        matches = [c for c in columns if c == column] or by_key.get(value_key(column), [])
        if not matches:
            raise MappingError(f"--map: the file has no column {shorten(column)!r} (columns: {listed(columns)})")
        taken.update(matches)
        if target:
            chosen.setdefault(target, []).extend(matches)
        else:
            dropped.update(matches)
    for spec_field in spec.fields:
        if spec_field.name in chosen:
            continue
        wanted = 99 if spec_field.several or spec_field.joined or spec_field.collect else 1
        for synonym in spec_field.keys():
            for column in by_key.get(synonym, []):
                if column not in taken and len(chosen.get(spec_field.name, ())) < wanted:
                    chosen.setdefault(spec_field.name, []).append(column)
                    taken.add(column)
    sources = {
        name: FieldSource(name, tuple(cols), joined=KINDS[kind].field(name).joined)
        for name, cols in chosen.items()
        if cols
    }
    mapping = Mapping(kind, sources, [c for c in columns if c not in taken or c in dropped], detect_preset(columns))
    _check_required(mapping, spec, columns)
    return mapping


def _check_required(mapping: Mapping, spec: KindSpec, columns: Sequence[str]) -> None:
    for group in spec.required_columns:
        if not any(name in mapping.sources for name in group):
            wanted = " or ".join(group)
            raise MappingError(
                f'no column for {wanted} among: {listed(columns) or "(none)"}; name it with --map "Column={group[0]}"'
            )
