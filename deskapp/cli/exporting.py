"""`deskapp export KIND`: every record of a kind as CSV, JSON, JSON Lines, vCard or iCalendar.

To a file with -o (created readable by its owner only, written under a temporary name and renamed, so a
failed export never leaves half a file), else to standard output for pipes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.text import Text

from deskapp.cli.common import desk, err_console, fail, handle_errors

EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".vcf": "vcf", ".ics": "ics"}


@handle_errors
def export_command(
    ctx: typer.Context,
    kind: str = typer.Argument(
        ..., metavar="KIND", help="customers, interactions, purchases, complaints or followups."
    ),
    fmt: str = typer.Option(None, "--format", help="csv, json, jsonl, vcf (customers) or ics (followups)."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file (default: standard output)."),
    excel: bool = typer.Option(False, "--excel", help="CSV with a BOM, so Excel reads UTF-8 correctly."),
    delimiter: str = typer.Option(",", "--delimiter", help="CSV delimiter, e.g. ';' for European Excel."),
) -> None:
    """Export records with their public field names; an export imports back to the same records."""
    from deskapp.core.io import ALIASES, FIELDS, ExportError, export_records, open_private

    word = ALIASES.get(kind.strip().lower(), kind.strip().lower())
    if word not in FIELDS:
        fail(f"unknown kind {kind!r}; one of: {', '.join(FIELDS)}")
    chosen = (fmt or (EXTENSIONS.get(output.suffix.lower()) if output else None) or "csv").lower()
    sep = "\t" if delimiter in ("tab", "\\t") else delimiter
    state = desk(ctx)
    engine = state.engine()
    with state.session(engine) as session:
        try:
            if output is None:
                count = export_records(session, word, sys.stdout, chosen, excel=excel, delimiter=sep)
                sys.stdout.flush()
            else:
                partial = output.with_name(f".{output.name}.partial")
                with open_private(partial) as handle:
                    count = export_records(session, word, handle, chosen, excel=excel, delimiter=sep)
                os.replace(partial, output)
        except ExportError as exc:
            fail(str(exc))
        except BaseException:
            if output is not None:
                Path(output.with_name(f".{output.name}.partial")).unlink(missing_ok=True)
            raise
    if output is not None:
        err_console.print(Text(f"Exported {count} {word} to {output} ({chosen})."))
