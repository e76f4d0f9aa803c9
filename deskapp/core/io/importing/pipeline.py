"""read -> map -> validate -> write, in one transaction, with every bad row reported by its line.

All or nothing by default: rows keep flowing after the first bad one (so the report lists every bad row
and the counts say what would have happened), and the transaction is rolled back at the end. With
`skip_invalid` the good rows commit and the bad ones go to the rejects file. A dry run is an import that
always rolls back. Fatal problems (unreadable file, unusable columns) raise before or during the run and
leave the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import Engine

from deskapp.core.db import DeskSession, session_scope
from deskapp.core.io.importing.amounts import DECIMALS
from deskapp.core.io.importing.batches import close_batch, open_batch
from deskapp.core.io.importing.context import ON_CONFLICT, WriteContext
from deskapp.core.io.importing.dates import DateReader
from deskapp.core.io.importing.headers import MONTH_FIRST_PRESETS, Mapping, build_mapping, detect_preset
from deskapp.core.io.importing.kinds import KINDS, kind_named
from deskapp.core.io.importing.likely import LikelyCheck, check_duplicates_option
from deskapp.core.io.importing.readers import open_records
from deskapp.core.io.importing.rejects import RejectWriter
from deskapp.core.io.importing.rowrules import RowError
from deskapp.core.io.importing.rows import CleanRow, RowCleaner
from deskapp.core.io.importing.saved_mappings import mapping_columns
from deskapp.core.io.importing.shopify import group_orders, order_headers
from deskapp.core.io.importing.sources import ImportFileError, Record, Source
from deskapp.core.io.importing.store import Store
from deskapp.core.io.importing.summary import BATCH_COUNTS, ImportOptions, ImportSummary
from deskapp.core.io.importing.write_activity import write_activity
from deskapp.core.io.importing.write_customers import write_customers
from deskapp.core.records import DeskError, clock, load_settings


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
    if options.decimal not in (None, *DECIMALS):
        raise ImportFileError(f"--decimal is . or , (not {options.decimal!r})")
    if options.saved_mapping is not None:
        options = options.saved_mapping.applied_to(options, spec.name)
    started = time.perf_counter()
    with Source(path, format=options.format, encoding=options.encoding, delimiter=options.delimiter) as source:
        if source.info.format == "vcf" and spec.name != "customers":
            raise ImportFileError("vCard files hold contacts: import them as customers")
        headers, records = open_records(source)
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
            kind=spec.name,
            file=info.name,
            format=info.format,
            encoding=info.encoding,
            delimiter=info.delimiter,
            preset=mapping.preset,
            mapping=mapping.describe(),
            ignored=mapping.ignored,
            dry_run=options.dry_run,
            notices=list(info.notices),
            overrides=overrides,
            field_columns=mapping_columns(mapping),
        )
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
            run = ImportRun(
                engine=engine, source=source, records=records, mapping=mapping, dates=dates, options=options,
                summary=summary, rejects=rejects, staff=staff, progress=progress,
            )  # fmt: skip
            run.execute()
        except _RollBack:
            # A file without rows went through (there was nothing to write), but leaves no batch behind.
            summary.committed = not options.dry_run and not summary.counts.rows
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


@dataclass(frozen=True, kw_only=True)
class ImportRun:
    """One import of an opened file, from its first record to commit or roll-back: what to read (`source`,
    `records` by `mapping`), how (`dates`, `options`), where its report goes (`summary`, `rejects`) and for
    whom (`staff`). `execute` is the one transaction; the steps below it are named after what they do."""

    engine: Engine
    source: Source
    records: Iterable[Record]
    mapping: Mapping
    dates: DateReader
    options: ImportOptions
    summary: ImportSummary
    rejects: RejectWriter | None = None
    staff: str | None = None
    progress: Callable[[int, int], None] | None = None

    def reject(self, row: CleanRow | Record, errors: list[RowError]) -> None:
        summary = self.summary
        summary.counts.rejected += 1
        summary.errors_total += len(errors)
        room = self.options.errors_kept - len(summary.errors)
        if room > 0:
            summary.errors.extend(errors[:room])
        if self.rejects is not None:
            self.rejects.write(row.record if isinstance(row, CleanRow) else row, errors)

    def warn(self, message: str) -> None:
        self.summary.warnings_total += 1
        if len(self.summary.warnings) < 20:
            self.summary.warnings.append(message)

    def execute(self) -> None:
        """Validate and write every record in one write transaction; raises _RollBack when it must not
        commit (a dry run, a file without rows, or rejected rows without `skip_invalid`)."""
        summary, options, counts = self.summary, self.options, self.summary.counts
        with session_scope(self.engine, staff=self.staff, write=True) as session:
            ctx = self._context(session)
            batch_id = open_batch(session, self.mapping.kind, Path(summary.file).name, ctx.now)
            ctx.import_batch = summary.import_batch = batch_id
            cleaner = RowCleaner(
                self.mapping, ctx.settings, self.dates, csv_input=self.source.info.format == "csv",
                decimal=options.decimal,
            )  # fmt: skip
            self._stream(cleaner, lambda batch: self._write_batch(ctx, batch))
            self._finish(ctx)
            if not counts.rows:
                summary.notices.append("the file holds no rows: nothing was imported and no import was recorded")
            if options.dry_run or not counts.rows or (counts.rejected and not options.skip_invalid):
                summary.import_batch = None
                raise _RollBack
            close_batch(session, batch_id, counts.as_dict())
            summary.committed = True

    def _context(self, session: DeskSession) -> WriteContext:
        settings, summary = load_settings(session), self.summary
        ctx = WriteContext(
            Store(session), settings, session.staff, clock.now(), Path(summary.file).name, self.mapping.kind,
            self.options.on_conflict, self.options.create_missing, summary.counts, self.reject, warn=self.warn,
        )  # fmt: skip
        ctx.store.use_large_cache()
        ctx.likely = LikelyCheck.for_import(self.mapping.kind, self.options.duplicates, summary)
        return ctx

    def _write_batch(self, ctx: WriteContext, batch: list[CleanRow]) -> None:
        started, counts = time.perf_counter(), self.summary.counts
        ctx.batch_number += 1
        before = {k: getattr(counts, k) for k in BATCH_COUNTS}
        write = write_customers if self.mapping.kind == "customers" else write_activity
        write(ctx, batch)
        ctx.flush_audit({k: getattr(counts, k) - before[k] for k in BATCH_COUNTS})
        self.summary.timings["write"] += time.perf_counter() - started

    def _finish(self, ctx: WriteContext) -> None:
        """What the batches deferred (stage moves), then the store's settings back."""
        timings = self.summary.timings
        started = time.perf_counter()
        ctx.finish()
        timings["write"] += time.perf_counter() - started
        if ctx.lifecycle_seconds:
            timings["lifecycle"] = ctx.lifecycle_seconds  # included in "write"
        ctx.store.search.restore()
        ctx.store.restore_cache()

    def _stream(self, cleaner: RowCleaner, writer: Callable[[list[CleanRow]], None]) -> None:
        """Read and validate row by row; hand each full batch to the writer."""
        counts, timings, kind = self.summary.counts, self.summary.timings, self.mapping.kind
        unread = list(self.mapping.ignored)  # ignored columns not yet seen holding a value
        batch: list[CleanRow] = []
        keys: set[tuple[Any, ...]] = set()
        perf = time.perf_counter
        iterator = iter(self.records)
        while True:
            t0 = perf()
            record = next(iterator, None)
            t1 = perf()
            timings["read"] += t1 - t0
            if record is None:
                break
            counts.rows += 1
            if unread:
                _note_not_imported(unread, record.values, self.summary.not_imported)
            result = cleaner.clean(record)
            timings["validate"] += perf() - t1
            if isinstance(result, list):
                self.reject(record, result)
                continue
            for message in result.warnings:
                self.warn(message)
            row_keys = _batch_keys(kind, result)
            if len(batch) >= self.options.batch_size or row_keys & keys:
                # A full batch, or the same record twice: the second must see the first in the database.
                writer(batch)
                batch, keys = [], set()
                if self.progress:
                    self.progress(self.source.bytes_read, counts.rows)
            batch.append(result)
            keys.update(row_keys)
        if batch:
            writer(batch)
        order = self.mapping.ignored
        self.summary.not_imported.sort(key=order.index)  # in the file's order, however the rows revealed them


def _note_not_imported(unread: list[str], values: dict[str, Any], found: list[str]) -> None:
    """Move the ignored columns this row has a value in from `unread` to `found`: data the desk leaves out
    is named, never dropped in silence (an ignored column that is empty throughout loses nothing)."""
    for column in [c for c in unread if str(values.get(c) or "").strip()]:
        unread.remove(column)
        found.append(column)


__all__ = ["DeskError", "ImportOptions", "ImportRun", "ImportSummary", "import_file"]
