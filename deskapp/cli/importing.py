"""`deskapp import KIND FILE`: load customers, interactions, purchases, complaints or follow-ups from a file.

A plain command whose first argument is the record kind. Other import actions that are not a kind of
record (issue 8's `deskapp import history` and `deskapp import undo BATCH`) register themselves in
`IMPORT_ACTIONS`: the command hands them the second argument, so they fit under the same word without
turning `import` into a command group (which would make `deskapp import customers FILE` awkward).

`deskapp import mappings [NAME]` (registered here the same way) lists the column mappings kept with
`--save-mapping NAME` for `--mapping NAME`.

Exit codes: 0 every row imported, 1 rows were rejected (nothing written unless --skip-invalid),
2 the file or the options can't be used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from deskapp.cli.common import console, desk, err_console, fail, handle_errors, print_json

# word -> handler(ctx, argument): actions under `deskapp import` that are not a record kind.
IMPORT_ACTIONS: dict[str, Callable[[typer.Context, str | None], None]] = {}
KINDS_HELP = "customers, interactions, purchases, complaints or followups"
SHOWN_ERRORS = 20
SHOWN_DUPLICATES = 20
PROGRESS_MIN_BYTES = 512 * 1024


@handle_errors
def import_command(
    ctx: typer.Context,
    kind: str = typer.Argument(..., metavar="KIND", help=f"What the file holds: {KINDS_HELP}."),
    file: str = typer.Argument(None, metavar="FILE", help="The file to read, or - for standard input."),
    fmt: str = typer.Option(None, "--format", help="csv, json, jsonl or vcf (default: detected from the content)."),
    encoding: str = typer.Option(None, "--encoding", help="The file's encoding (default: detected)."),
    delimiter: str = typer.Option(None, "--delimiter", help="CSV delimiter (default: detected: , ; tab |)."),
    mapping: list[str] = typer.Option(
        None, "--map", help='"Source column=field" (repeatable). "Source column=" ignores the column.'
    ),
    dayfirst: bool = typer.Option(
        None, "--dayfirst/--monthfirst", help="How to read 03/04/2025 (default: day first, Outlook month first)."
    ),
    decimal: str = typer.Option(
        None,
        "--decimal",
        help="How to read an amount such as 12.345: . or , is the decimal (default: as the file shows).",
    ),
    on_conflict: str = typer.Option("update", "--on-conflict", help="A record that exists: update, skip or error."),
    create_missing: bool = typer.Option(
        False, "--create-missing", help="Create customers the rows name but the desk lacks."
    ),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Import the good rows even if some are invalid."),
    rejects: Path = typer.Option(
        None, "--rejects", help="Write refused rows here, in the input's format, with an error column."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the mapping, the counts and the errors; write nothing (also for undo)."
    ),
    use_mapping: str = typer.Option(
        None,
        "--mapping",
        metavar="NAME",
        help="Read the file with the mapping saved under NAME (and its saved --format/--encoding/--delimiter/"
        "--dayfirst); explicit --map and reading options win. List them: deskapp import mappings.",
    ),
    save_mapping: str = typer.Option(
        None,
        "--save-mapping",
        metavar="NAME",
        help="Keep this import's column mapping (and the reading options given) under NAME for --mapping NAME. "
        "Saved only when the import commits, or on --dry-run when it would have (the mapping is then the one "
        "thing written).",
    ),
    duplicates: str = typer.Option(
        "create",
        "--duplicates",
        help="New customers that look like existing ones (or earlier rows): create them and list them "
        "(create), or leave them out, counted as skipped (skip).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON for scripts."),
    batch_size: int = typer.Option(5000, "--batch-size", min=1, max=100_000, hidden=True),
) -> None:
    """Import records from CSV, JSON, JSON Lines or vCard. All or nothing unless --skip-invalid.

    Every import that writes is a batch: `deskapp import history [N]` lists them, `deskapp import undo
    BATCH` takes one back (with --dry-run: says what it would do), and `deskapp import mappings` lists the
    mappings saved with --save-mapping.
    """
    from deskapp.core.io import ImportOptions, check_name, get_mapping, import_file, save_after_import

    action = IMPORT_ACTIONS.get(kind.strip().lower())
    if action is not None:
        action(ctx, file)
        return
    if file is None:
        fail(f"say which file to import: deskapp import {kind} FILE (or - for standard input)")
    if save_mapping is not None:
        save_mapping = check_name(save_mapping)
    state = desk(ctx)
    engine = state.engine()
    saved = None
    if use_mapping is not None:
        with state.session(engine) as session:
            saved = get_mapping(session, use_mapping)
    options = ImportOptions(
        format=fmt,
        encoding=encoding,
        delimiter="\t" if delimiter in ("tab", "\\t") else delimiter,
        mapping=mapping or (),
        dayfirst=dayfirst,
        decimal=decimal,
        on_conflict=on_conflict.strip().lower(),
        create_missing=create_missing,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
        rejects=rejects,
        batch_size=batch_size,
        saved_mapping=saved,
        duplicates=duplicates.strip().lower(),
    )
    with _Progress(enabled=not as_json) as progress:
        summary = import_file(
            engine, kind, file, options, staff=state.staff, progress=progress.update, on_start=progress.start
        )
    kept = save_after_import(engine, save_mapping, summary, options, staff=state.staff) if save_mapping else None
    if as_json:
        used, saved_as = (saved.name if saved else None), (kept.name if kept else None)
        print_json({**summary.as_dict(), "mapping_used": used, "saved_mapping": saved_as})
    else:
        _print_summary(summary, show_mapping=dry_run, mapping_name=saved.name if saved else None)
        if save_mapping:
            _print_saved(summary, save_mapping, kept is not None)
    raise typer.Exit(summary.exit_code)


def _print_saved(summary: Any, name: str, saved: bool) -> None:
    out = functools.partial(console.print, soft_wrap=True)
    if saved:
        out(
            Text(f"Mapping {name!r} saved", style="bold")
            + Text(f": deskapp import {summary.kind} FILE --mapping {name} reads the next file the same way.")
        )
    else:
        out(Text(f"Mapping {name!r} not saved: the import wrote nothing. Fix the rows and run it again.", style="red"))


def list_saved_mappings(ctx: typer.Context, argument: str | None) -> None:
    """`deskapp import mappings [NAME]`: the saved mappings (or one), with their column -> field pairs."""
    from deskapp.core.io import get_mapping, list_mappings

    state = desk(ctx)
    with state.session(state.engine()) as session:
        found = [get_mapping(session, argument)] if argument else list_mappings(session)
    if ctx.params.get("as_json"):
        print_json([m.as_dict() for m in found])
        return
    out = functools.partial(console.print, soft_wrap=True)
    if not found:
        out('No saved mappings. Save one with: deskapp import KIND FILE --map "Column=field" --save-mapping NAME')
        return
    for i, m in enumerate(found):
        if i:
            out()
        given = ", ".join(f"{k} {v!r}" for k, v in m.options_given().items())
        head = Text(m.name, style="bold") + Text(f" ({m.kind}{', ' + given if given else ''})")
        origin = " ".join(p for p in (f"from {m.file}" if m.file else "", m.saved_by and f"by {m.saved_by}") if p)
        if m.saved_at or origin:
            head += Text(f"  saved {_local_time(m.saved_at)} {origin}".rstrip(), style="dim")
        out(head)
        for column, target in m.columns:
            out(Text(f"  {column} -> {target}"))
        if m.ignored:
            out(Text(f"  ignored: {', '.join(m.ignored)}", style="dim"))


def _local_time(stamp: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


IMPORT_ACTIONS["mappings"] = list_saved_mappings


def _print_likely_duplicates(summary: Any) -> None:
    total = summary.likely_duplicates_total
    if not total:
        return
    out = functools.partial(console.print, soft_wrap=True)
    plural = "row looks" if total == 1 else "rows look"
    if any(d.skipped for d in summary.likely_duplicates):
        what = ", left out (--duplicates skip)"
    else:
        verb = "created" if summary.committed else "would be created"
        what = f" ({verb} all the same; --duplicates skip leaves them out)"
    out(Text(f"{total:,} {plural} like a customer already there{what}:", style="yellow"))
    for found in summary.likely_duplicates[:SHOWN_DUPLICATES]:
        out(Text(f"  {found.describe()}"))
    if total > SHOWN_DUPLICATES:
        out(Text(f"  ... and {total - SHOWN_DUPLICATES:,} more (all of them with --json)", style="yellow"))


class _Progress:
    """A rich progress bar on stderr for large files (by bytes read), when stderr is a terminal."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and err_console.is_terminal
        self._bar: Any = None
        self._task: Any = None

    def start(self, summary: Any, size: int | None) -> None:
        if not self.enabled or (size is not None and size < PROGRESS_MIN_BYTES):
            return
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        columns = [TextColumn(f"importing {summary.kind}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()]
        self._bar = Progress(*columns, TextColumn("{task.fields[rows]} rows"), console=err_console, transient=True)
        self._task = self._bar.add_task("import", total=size, rows=0)
        self._bar.start()

    def update(self, done: int, rows: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, rows=f"{rows:,}")

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _print_summary(summary: Any, *, show_mapping: bool, mapping_name: str | None = None) -> None:
    """Unwrapped lines: a file name, a column list or an error is easier to copy whole."""
    from deskapp.core.records import shorten

    out = functools.partial(console.print, soft_wrap=True)
    info = f"{summary.format.upper()}, {summary.encoding}"
    if summary.delimiter:
        info += f", delimiter {summary.delimiter!r}"
    if summary.preset:
        info += f", {summary.preset} export"
    if mapping_name:
        info += f", mapping {mapping_name!r}"
    out(Text(f"{summary.kind} from {summary.file} ({info})"))
    if show_mapping:
        for columns, target in summary.mapping:
            out(Text(f"  {columns} -> {target}"))
        if summary.ignored:
            out(Text(f"  ignored: {', '.join(summary.ignored)}", style="dim"))
    if summary.not_imported:
        out(Text(f"not imported: {', '.join(summary.not_imported)}", style="yellow"))
    for notice in summary.notices:
        out(Text(f"note: {notice}", style="yellow"))
    for warning in summary.warnings:
        out(Text(f"warning: {warning}", style="yellow"))
    if summary.warnings_total > len(summary.warnings):
        out(Text(f"... and {summary.warnings_total - len(summary.warnings)} more warnings", style="yellow"))
    for error in summary.errors[:SHOWN_ERRORS]:
        where = f"line {error.line}"
        if error.column:
            where += f", {error.column}"
        value = f" {shorten(repr(error.value))}" if error.value not in ("", None) else ""
        out(Text(f"  {where}{value}: ", style="red") + Text(str(error.reason)))
    if summary.errors_total > SHOWN_ERRORS:
        out(Text(f"  ... and {summary.errors_total - SHOWN_ERRORS} more errors", style="red"))
    _print_likely_duplicates(summary)
    c = summary.counts
    figures = f"{c.inserted:,} inserted, {c.updated:,} updated, {c.unchanged:,} unchanged, {c.skipped:,} skipped"
    figures += f", {c.rejected:,} rejected"
    extra = [f"{c.customers_created:,} customers created"] if c.customers_created else []
    if c.stage_changes:
        extra.append(f"{c.stage_changes:,} stage changes")
    if c.follow_ups_created:
        extra.append(f"{c.follow_ups_created:,} follow-ups")
    speed = f"{c.rows:,} rows in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s)"
    tail = f"; {', '.join(extra)}" if extra else ""
    if summary.dry_run:
        out(Text(f"Dry run, nothing written. Would be: {figures}{tail}. {speed}", style="bold"))
    elif summary.committed:
        out(Text(f"Imported: {figures}{tail}. {speed}", style="bold green"))
        if summary.import_batch is not None:
            batch = summary.import_batch
            out(Text(f"Import batch {batch}: take it back with deskapp import undo {batch}", style="dim"))
    else:
        good = c.rows - c.rejected
        out(
            Text(f"Nothing was written: {c.rejected:,} of {c.rows:,} rows are invalid. ", style="bold red")
            + Text(f"Fix them, or import the {good:,} good rows with --skip-invalid.")
        )
    if summary.rejects_file and c.rejected:
        out(Text(f"Refused rows are in {summary.rejects_file}, with an error column."))
