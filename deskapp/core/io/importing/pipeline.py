"""read -> map -> validate -> write, in one transaction, with every bad row reported by its line.

All or nothing by default: rows keep flowing after the first bad one (so the report lists every bad row
and the counts say what would have happened), and the transaction is rolled back at the end. With
`skip_invalid` the good rows commit and the bad ones go to the rejects file. A dry run is an import that
always rolls back. Fatal problems (unreadable file, unusable columns) raise before or during the run and
leave the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine

from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing.batches import close_batch, open_batch
from deskapp.core.io.importing.context import ON_CONFLICT, Counts, WriteContext
from deskapp.core.io.importing.dates import DateReader
from deskapp.core.io.importing.headers import MONTH_FIRST_PRESETS, build_mapping, detect_preset
from deskapp.core.io.importing.kinds import KINDS, kind_named
from deskapp.core.io.importing.likely import LikelyCheck, check_duplicates_option
from deskapp.core.io.importing.rejects import RejectWriter
from deskapp.core.io.importing.rows import CleanRow, RowCleaner, RowError
from deskapp.core.io.importing.saved_mappings import mapping_columns
from deskapp.core.io.importing.shopify import group_orders, order_headers
from deskapp.core.io.importing.sources import ImportFileError, Record, Source
from deskapp.core.io.importing.store import Store
from deskapp.core.records import clock
from deskapp.core.records.errors import DeskError
from deskapp.core.records.settings import load_settings


@dataclass
class ImportOptions:
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    mapping: Sequence[str] = ()  # "Source column=field" overrides
    dayfirst: bool | None = None  # None: day first unless the file is a known month-first export
    on_conflict: str = "update"
    create_missing: bool = False
    skip_invalid: bool = False
    dry_run: bool = False
    rejects: str | Path | None = None
    batch_size: int = 5000
    errors_kept: int = 1000
    saved_mapping: Any = None  # a saved_mappings.SavedMapping read the same way (explicit options win)
    duplicates: str = "create"  # customers that look like existing ones: "create" (and report) or "skip"


@dataclass
class ImportSummary:
    kind: str
    file: str
    format: str
    encoding: str
    delimiter: str | None
    preset: str | None
    mapping: list[tuple[str, str]]
    ignored: list[str]
    dry_run: bool
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    warnings: list[str] = field(default_factory=list)
    warnings_total: int = 0
    notices: list[str] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "validate": 0.0, "write": 0.0})
    rejects_file: str | None = None
    import_batch: int | None = None  # the batch id `deskapp import undo` takes (None: nothing committed)
    overrides: list[str] = field(default_factory=list)  # the --map overrides in effect (saved ones included)
    field_columns: list[tuple[str, str]] = field(default_factory=list)  # (column, field) the mapping read
    likely_duplicates: list[Any] = field(default_factory=list)  # likely.LikelyDuplicateRow, by line
    likely_duplicates_total: int = 0
    not_imported: list[str] = field(default_factory=list)  # columns the desk doesn't keep that held values

    @property
    def rows_per_second(self) -> float:
        return self.counts.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0: every row imported (or would be); 1: rows were rejected."""
        return 1 if self.counts.rejected else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "detected_export": self.preset,
            "mapping": [{"columns": src, "field": target} for src, target in self.mapping],
            "ignored_columns": self.ignored,
            "not_imported": self.not_imported,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "import_batch": self.import_batch,
            **self.counts.as_dict(),
            "errors_total": self.errors_total,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "warnings_total": self.warnings_total,
            "notices": self.notices,
            "likely_duplicates_total": self.likely_duplicates_total,
            "likely_duplicates": [d.as_dict(committed=self.committed) for d in self.likely_duplicates],
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


# What a batch's audit entry counts (rows and rejects belong to the whole file).
BATCH_COUNTS = (
    "inserted",
    "updated",
    "unchanged",
    "skipped",
    "customers_created",
    "stage_changes",
    "follow_ups_created",
)


class _RollBack(Exception):
    pass


def _batch_keys(kind: str, row: CleanRow) -> set[tuple[Any, ...]]:
    """What makes two rows of one batch the same record: they must not be written in the same batch."""
    v = row.values
    keys: set[tuple[Any, ...]] = set()
    if v.get("external_id"):
        keys.add(("ext", v["external_id"]))
    if kind == "customers":
        if v.get("email"):
            keys.add(("email", v["email"]))
    elif not keys:
        refs = (v.get("customer_external_id"), v.get("customer_email"), v.get("customer_id"))
        keys.add(("key", refs, *(v.get(f) for f in KINDS[kind].natural_key[1:])))
    return keys


def import_file(
    engine: Engine,
    kind: str,
    path: str | Path | IO[bytes],
    options: ImportOptions | None = None,
    *,
    staff: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[ImportSummary, int | None], None] | None = None,
) -> ImportSummary:
    """Import one file of `kind` records. Raises ImportFileError / MappingError for unusable input."""
    options = options or ImportOptions()
    try:
        spec = kind_named(kind)
    except KeyError as exc:
        raise ImportFileError(str(exc.args[0])) from None
    if options.on_conflict not in ON_CONFLICT:
        raise ImportFileError(f"--on-conflict must be one of: {', '.join(ON_CONFLICT)}")
    check_duplicates_option(options.duplicates, spec.name)
    if options.saved_mapping is not None:
        options = options.saved_mapping.applied_to(options, spec.name)
    started = time.perf_counter()
    with Source(path, format=options.format, encoding=options.encoding, delimiter=options.delimiter) as source:
        if source.info.format == "vcf" and spec.name != "customers":
            raise ImportFileError("vCard files hold contacts: import them as customers")
        headers, records = source.open_records()
        file_headers, preset = headers, detect_preset(headers)
        if not headers and source.info.format != "csv":
            headers = spec.field_names()  # an empty JSON array: no keys to map, and no rows to import
        shopify_notices: list[str] = []
        if spec.name == "purchases" and preset == "shopify-orders":
            headers, records = order_headers(headers), group_orders(headers, records, shopify_notices)
        overrides = list(options.mapping)
        if options.saved_mapping is not None:
            overrides = options.saved_mapping.overrides_for(headers, overrides)
        mapping = build_mapping(spec.name, headers, overrides)
        mapping.preset = mapping.preset or preset
        info = source.info
        summary = ImportSummary(
            spec.name, info.name, info.format, info.encoding, info.delimiter, mapping.preset,
            mapping.describe(), mapping.ignored, options.dry_run, notices=list(info.notices),
            overrides=overrides, field_columns=mapping_columns(mapping),
        )  # fmt: skip
        if on_start:
            on_start(summary, info.size)
        dayfirst = options.dayfirst
        if dayfirst is None and mapping.preset in MONTH_FIRST_PRESETS:
            dayfirst = False
            summary.notices.append(f"{mapping.preset} export: dates read month first (use --dayfirst if not)")
        dates = DateReader(dayfirst)
        shopify_notices[:0] = summary.notices
        summary.notices = shopify_notices  # the orders reader adds to it as it reads
        rejects = RejectWriter(options.rejects, info, file_headers) if options.rejects else None
        summary.rejects_file = str(options.rejects) if options.rejects else None
        try:
            _run(engine, source, records, mapping, dates, options, summary, rejects, staff, progress)
        except _RollBack:
            summary.committed = False
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                f"{info.name} is not valid {info.encoding} (byte {exc.object[exc.start : exc.start + 1]!r} "
                f"near byte {source.bytes_read}); say which encoding with --encoding"
            ) from None
        finally:
            if rejects is not None:
                rejects.close()
        summary.errors.sort(key=lambda e: e.line)  # errors found while writing come after the batch's others
        if dates.ambiguous_example:
            summary.notices.append(
                f"dates such as {dates.ambiguous_example!r} were read day first; use --monthfirst if that is wrong"
            )
    summary.seconds = time.perf_counter() - started
    return summary


def _run(
    engine: Engine,
    source: Source,
    records: Any,
    mapping: Any,
    dates: DateReader,
    options: ImportOptions,
    summary: ImportSummary,
    rejects: RejectWriter | None,
    staff: str | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    from deskapp.core.io.importing.write_activity import write_activity
    from deskapp.core.io.importing.write_customers import write_customers

    counts, timings = summary.counts, summary.timings
    write = write_customers if mapping.kind == "customers" else write_activity

    def reject(row: CleanRow | Record, errors: list[RowError]) -> None:
        counts.rejected += 1
        summary.errors_total += len(errors)
        room = options.errors_kept - len(summary.errors)
        if room > 0:
            summary.errors.extend(errors[:room])
        if rejects is not None:
            rejects.write(row.record if isinstance(row, CleanRow) else row, errors)

    def warn(message: str) -> None:
        summary.warnings_total += 1
        if len(summary.warnings) < 20:
            summary.warnings.append(message)

    with session_scope(engine, staff=staff, write=True) as session:
        settings = load_settings(session)
        ctx = WriteContext(
            Store(session), settings, session.staff, clock.now(), Path(summary.file).name, mapping.kind,
            options.on_conflict, options.create_missing, counts, reject, warn=warn,
        )  # fmt: skip
        cleaner = RowCleaner(mapping, settings, dates, csv_input=source.info.format == "csv")
        ctx.store.use_large_cache()
        ctx.likely = LikelyCheck.for_import(mapping.kind, options.duplicates, summary)
        batch_id = open_batch(session, mapping.kind, Path(summary.file).name, ctx.now)
        ctx.import_batch = summary.import_batch = batch_id

        def writer(batch: list[CleanRow]) -> None:
            started = time.perf_counter()
            ctx.batch_number += 1
            before = {k: getattr(counts, k) for k in BATCH_COUNTS}
            write(ctx, batch)
            ctx.flush_audit({k: getattr(counts, k) - before[k] for k in BATCH_COUNTS})
            timings["write"] += time.perf_counter() - started

        _stream(source, records, cleaner, writer, options, summary, reject, warn, progress)
        started = time.perf_counter()
        ctx.finish()
        timings["write"] += time.perf_counter() - started
        if ctx.lifecycle_seconds:
            timings["lifecycle"] = ctx.lifecycle_seconds  # included in "write"
        ctx.store.search.restore()
        ctx.store.restore_cache()
        if options.dry_run or (counts.rejected and not options.skip_invalid):
            summary.import_batch = None
            raise _RollBack
        close_batch(session, batch_id, counts.as_dict())
        summary.committed = True


def _note_not_imported(unread: list[str], values: dict[str, Any], found: list[str]) -> None:
    """Move the ignored columns this row has a value in from `unread` to `found`: data the desk leaves out
    is named, never dropped in silence (an ignored column that is empty throughout loses nothing)."""
    for column in [c for c in unread if str(values.get(c) or "").strip()]:
        unread.remove(column)
        found.append(column)


def _stream(
    source: Source,
    records: Any,
    cleaner: RowCleaner,
    writer: Callable[[list[CleanRow]], None],
    options: ImportOptions,
    summary: ImportSummary,
    reject: Callable[[Record, list[RowError]], None],
    warn: Callable[[str], None],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Read and validate row by row; hand each full batch to the writer."""
    counts, timings, kind = summary.counts, summary.timings, cleaner.mapping.kind
    unread = list(cleaner.mapping.ignored)  # ignored columns not yet seen holding a value
    batch: list[CleanRow] = []
    keys: set[tuple[Any, ...]] = set()
    perf = time.perf_counter
    iterator = iter(records)
    while True:
        t0 = perf()
        record = next(iterator, None)
        t1 = perf()
        timings["read"] += t1 - t0
        if record is None:
            break
        counts.rows += 1
        if unread:
            _note_not_imported(unread, record.values, summary.not_imported)
        result = cleaner.clean(record)
        timings["validate"] += perf() - t1
        if isinstance(result, list):
            reject(record, result)
            continue
        for message in result.warnings:
            warn(message)
        row_keys = _batch_keys(kind, result)
        if len(batch) >= options.batch_size or row_keys & keys:
            # A full batch, or the same record twice: the second must see the first in the database.
            writer(batch)
            batch, keys = [], set()
            if progress:
                progress(source.bytes_read, counts.rows)
        batch.append(result)
        keys.update(row_keys)
    if batch:
        writer(batch)
    order = cleaner.mapping.ignored
    summary.not_imported.sort(key=order.index)  # in the file's order, however the rows revealed them


__all__ = ["DeskError", "ImportOptions", "ImportSummary", "import_file"]
