"""Saved column mappings: a nightly file read the same way every night, under a name.

`deskapp import customers nightly.csv --map "Kundnr=external_id" --save-mapping shop` keeps the mapping that
import used in the desk's `setting` table, under the key `import.mapping.shop` as JSON (no table of its
own; `settings.load_settings` only reads the keys it knows, so these never reach the business settings):

- the kind it was saved for,
- every source column and the field it fed, in the mapping's order (the --map overrides and the columns
  the synonyms matched alike), and the columns a --map "Column=" told it to ignore,
- the reading options that were given (format, encoding, delimiter, day or month first). Detected ones are
  not kept: tomorrow's file is detected afresh, and an all-ASCII night must not pin tomorrow to ASCII.

`--mapping shop` replays it: every saved column becomes a --map override, so the next file maps exactly
the same way whatever the synonyms would pick, and explicit --map options still win (a saved pair is
dropped when an explicit one names the same column or the same field). A saved column the new file
lacks stops the import before anything is written, naming every missing column.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col, select

from deskapp.core.db import session_scope
from deskapp.core.io.importing.cleaners import value_key
from deskapp.core.io.importing.headers import Mapping, MappingError
from deskapp.core.io.importing.kinds import KINDS
from deskapp.core.io.importing.summary import ImportOptions, ImportSummary
from deskapp.core.records import Setting, clock

PREFIX = "import.mapping."
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,59}")


@dataclass(frozen=True)
class SavedMapping:
    name: str
    kind: str
    columns: tuple[tuple[str, str], ...]  # (source column, field), several columns of one field in order
    ignored: tuple[str, ...] = ()  # columns a --map "Column=" ignored
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    dayfirst: bool | None = None
    saved_at: str = ""
    saved_by: str = ""
    file: str = ""  # the file it was saved from, for people to recognise it

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "columns": [{"column": column, "field": target} for column, target in self.columns],
            "ignored": list(self.ignored),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "dayfirst": self.dayfirst,
            "saved_at": self.saved_at,
            "saved_by": self.saved_by,
            "file": self.file,
        }

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> SavedMapping:
        return cls(
            name=name,
            kind=str(data["kind"]),
            columns=tuple((str(c["column"]), str(c["field"])) for c in data.get("columns", ())),
            ignored=tuple(str(c) for c in data.get("ignored", ())),
            format=data.get("format"),
            encoding=data.get("encoding"),
            delimiter=data.get("delimiter"),
            dayfirst=data.get("dayfirst"),
            saved_at=str(data.get("saved_at") or ""),
            saved_by=str(data.get("saved_by") or ""),
            file=str(data.get("file") or ""),
        )

    def options_given(self) -> dict[str, Any]:
        """The reading options kept with the mapping (only those that were given)."""
        names = ("format", "encoding", "delimiter", "dayfirst")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def applied_to(self, options: ImportOptions, kind: str) -> ImportOptions:
        """`options` with the saved reading options filled in where none were given; refuses another kind."""
        if kind != self.kind:
            raise MappingError(
                f"mapping {self.name!r} was saved for {self.kind}, not {kind}: use it with "
                f"deskapp import {self.kind}, or save a {kind} mapping under another name with --save-mapping"
            )
        given = {k: v for k, v in self.options_given().items() if getattr(options, k) is None}
        return dataclasses.replace(options, **given)

    def overrides_for(self, headers: Sequence[str], explicit: Sequence[str]) -> list[str]:
        """The --map overrides that read `headers` the saved way, `explicit` ones winning. Raises
        MappingError naming every saved column the file lacks (and that no explicit --map replaces)."""
        mentioned, retargeted = set(), set()
        for item in explicit:
            column, sep, target = item.rpartition("=")
            if sep:
                mentioned.add(value_key(column.strip()))
                if target.strip():
                    retargeted.add(target.strip())
        present = {h for h in headers if h}
        present_keys = {value_key(h) for h in present}

        def in_file(column: str) -> bool:
            return column in present or value_key(column) in present_keys

        kept = [(c, f) for c, f in self.columns if value_key(c) not in mentioned and f not in retargeted]
        missing = list(dict.fromkeys(c for c, _ in kept if not in_file(c)))
        if missing:
            fields = dict(kept)
            lacking = ", ".join(f"{c!r} ({fields[c]})" for c in missing)
            count = "a column" if len(missing) == 1 else f"{len(missing)} columns"
            raise MappingError(
                f"the file lacks {count} the saved mapping {self.name!r} reads: {lacking}; its columns are "
                f"{', '.join(h for h in headers if h) or '(none)'}. Say where they went with --map "
                f'"Column=field" (or --map "Column=" to do without one), or save the mapping again with '
                f"--save-mapping {self.name}"
            )
        saved_columns = {value_key(c) for c, _ in self.columns} | {value_key(c) for c in self.ignored}
        ignores = [f"{c}=" for c in self.ignored if in_file(c) and value_key(c) not in mentioned]
        # An explicit "Column=" that cancels a saved column the file no longer has has nothing left to do.
        wanted = [
            item
            for item in explicit
            if not (item.endswith("=") and value_key(item[:-1].strip()) in saved_columns and not in_file(item[:-1]))
        ]
        return [*(f"{c}={f}" for c, f in kept), *ignores, *wanted]


def setting_key(name: str) -> str:
    return PREFIX + name


def check_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise MappingError(
            f"{name!r} can't name a mapping: use letters, digits, '-', '_' or '.' (up to 60, starting with a "
            "letter or digit), e.g. --save-mapping shop"
        )
    return name


def mapping_columns(mapping: Mapping) -> list[tuple[str, str]]:
    """(source column, field) for every column a mapping reads, in the mapping's (the kind's field) order."""
    order = {name: i for i, name in enumerate(KINDS[mapping.kind].field_names())}
    sources = sorted(mapping.sources.values(), key=lambda s: order.get(s.field, 999))
    return [(column, s.field) for s in sources for column in s.columns]


def ignored_columns(overrides: Sequence[str]) -> list[str]:
    """The columns a list of --map overrides ignores ("Column=")."""
    out = []
    for item in overrides:
        column, sep, target = item.rpartition("=")
        if sep and column.strip() and not target.strip():
            out.append(column.strip())
    return out


def list_mappings(session: Session) -> list[SavedMapping]:
    """Every saved mapping, by name. A stored value that is not a mapping (edited by hand) is left out."""
    rows = (
        session.execute(select(Setting).where(col(Setting.key).startswith(PREFIX)).order_by(col(Setting.key)))
        .scalars()
        .all()
    )
    found = []
    for row in rows:
        try:
            found.append(SavedMapping.from_dict(row.key[len(PREFIX) :], json.loads(row.value)))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return found


def get_mapping(session: Session, name: str) -> SavedMapping:
    """The mapping saved under `name`; MappingError listing the saved names when there is none."""
    name = name.strip()
    row = session.get(Setting, setting_key(name)) if NAME_PATTERN.fullmatch(name) else None
    if row is not None:
        try:
            return SavedMapping.from_dict(name, json.loads(row.value))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise MappingError(f"the saved mapping {name!r} is unreadable; save it again with --save-mapping") from None
    names = [m.name for m in list_mappings(session)]
    if not names:
        raise MappingError(
            f"no mapping is saved under {name!r} (none are saved yet); save one with --save-mapping {name} "
            "on an import that reads the file right"
        )
    raise MappingError(
        f"no mapping is saved under {name!r}; saved mappings: {', '.join(names)} (see deskapp import mappings)"
    )


def save_mapping(session: Session, mapping: SavedMapping) -> SavedMapping:
    """Keep `mapping` under its name (replacing one saved before); the setting table is audited."""
    name = check_name(mapping.name)
    value = json.dumps({k: v for k, v in mapping.as_dict().items() if k != "name"}, ensure_ascii=False)
    row = session.get(Setting, setting_key(name))
    if row is None:
        session.add(Setting(key=setting_key(name), value=value))
    else:
        row.value = value
    session.flush()
    return mapping


def mapping_from_import(
    name: str, summary: ImportSummary, options: ImportOptions, *, saved_by: str, saved_at: str
) -> SavedMapping:
    """What to save from an import that ran: its columns, its ignores, and the reading options given (or
    kept by the saved mapping it used)."""
    if options.saved_mapping is not None:
        options = options.saved_mapping.applied_to(options, summary.kind)
    return SavedMapping(
        name=check_name(name),
        kind=summary.kind,
        columns=tuple(summary.field_columns),
        ignored=tuple(dict.fromkeys(ignored_columns(summary.overrides))),
        format=options.format,
        encoding=options.encoding,
        delimiter=options.delimiter,
        dayfirst=options.dayfirst,
        saved_at=saved_at,
        saved_by=saved_by,
        file=PurePath(summary.file).name,
    )


def should_save(summary: ImportSummary, options: ImportOptions) -> bool:
    """Save a mapping when the import committed, or on a dry run that would have committed (the mapping
    read the file and every row was accepted, or --skip-invalid was given): trying a mapping on tonight's
    file before the nightly job runs should not need a real import."""
    if summary.committed:
        return True
    return summary.dry_run and (options.skip_invalid or not summary.counts.rejected)


def save_after_import(
    engine: Engine, name: str, summary: ImportSummary, options: ImportOptions, *, staff: str | None = None
) -> SavedMapping | None:
    """Save the mapping an import used under `name` if it should be kept (see `should_save`); None if not.
    Its own short transaction, after the import's."""
    if not should_save(summary, options):
        return None
    with session_scope(engine, staff=staff, write=True) as session:
        saved = mapping_from_import(
            name, summary, options, saved_by=session.staff, saved_at=clock.now().isoformat(timespec="seconds")
        )
        return save_mapping(session, saved)


__all__ = [
    "PREFIX",
    "SavedMapping",
    "check_name",
    "get_mapping",
    "ignored_columns",
    "list_mappings",
    "mapping_columns",
    "mapping_from_import",
    "save_after_import",
    "save_mapping",
    "setting_key",
    "should_save",
]
