"""Reading what users hand us: encodings, formats, delimiters, and line numbers that match the file."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from deskapp.core.io.importing.readers import open_records
from deskapp.core.io.importing.sources import ImportFileError, Source


def read(path: Path | io.BytesIO, **options: str) -> tuple[Source, list[str], list[Any]]:
    source = Source(path, **options)
    headers, records = open_records(source)
    return source, headers, list(records)


@pytest.mark.parametrize(
    ("name", "fmt", "encoding", "delimiter"),
    [
        ("customers_excel_semicolon.csv", "csv", "utf-8-sig", ";"),
        ("customers_tabs.tsv", "csv", "utf-8", "\t"),
        ("google_contacts_old.csv", "csv", "utf-16", ","),
        ("google_contacts_new.csv", "csv", "utf-8", ","),
        ("outlook_contacts.csv", "csv", "cp1252", ","),
        ("customers.json", "json", "utf-8", None),
        ("customers.jsonl", "jsonl", "utf-8", None),
        ("contacts.vcf", "vcf", "utf-8", None),
        ("actually_json.csv", "json", "utf-8", None),
    ],
)
def test_sniffs_format_encoding_and_delimiter(data: Path, name: str, fmt: str, encoding: str, delimiter: str) -> None:
    source, headers, records = read(data / name)
    assert (source.info.format, source.info.encoding, source.info.delimiter) == (fmt, encoding, delimiter)
    assert records and headers
    assert not any(h.startswith("\ufeff") for h in headers)


def test_windows_1252_fallback_is_announced(data: Path) -> None:
    source, _, records = read(data / "outlook_contacts.csv")
    assert any("Windows-1252" in n for n in source.info.notices)
    assert records[0].values["Notes"] == "Café owner – wants a cargo bike"


def test_utf16_without_bom_is_recognised() -> None:
    body = "name,email\nÅsa,asa@example.se\n".encode("utf-16-le")
    source, headers, records = read(io.BytesIO(body))
    assert source.info.encoding == "utf-16-le" and headers == ["name", "email"]
    assert records[0].values["name"] == "Åsa"


def test_csv_line_numbers_count_physical_lines() -> None:
    body = b'name,notes\nAnn,"two\nlines"\n\nBo,x\n'
    _, _, records = read(io.BytesIO(body))
    assert [(r.line, r.values["name"]) for r in records] == [(2, "Ann"), (5, "Bo")]


def test_long_cells_read_past_the_csv_module_default_limit() -> None:
    note = "x" * 300_000
    _, _, records = read(io.BytesIO(f'name,notes\nAnn,"{note}"\n'.encode()))
    assert len(records[0].values["notes"]) == 300_000


def test_rows_with_extra_cells_are_records_with_a_problem(data: Path) -> None:
    _, _, records = read(data / "ragged.csv")
    assert records[0].problem == "has 4 cells but the header has 2" and records[1].problem is None


def test_json_array_streams_records_larger_than_a_chunk() -> None:
    items = [{"name": f"n{i}", "notes": "y" * (i * 9000)} for i in range(20)]
    text = "[\n" + ",\n".join(json.dumps(i) for i in items) + "\n]"
    _, headers, records = read(io.BytesIO(text.encode()))
    assert [r.values["name"] for r in records] == [f"n{i}" for i in range(20)]
    assert [r.line for r in records] == list(range(2, 22))
    assert headers == ["name", "notes"]


def test_json_amounts_stay_exact() -> None:
    _, _, records = read(io.BytesIO(b'[{"amount": 0.1}]'))
    assert str(records[0].values["amount"]) == "0.1"


def test_jsonl_bad_lines_are_records_with_a_problem(data: Path) -> None:
    _, _, records = read(io.BytesIO(b'{"name": "Ann"}\nnot json\n[1]\n'))
    assert [(r.line, r.problem is None) for r in records] == [(1, True), (2, False), (3, False)]
    assert "not valid JSON" in (records[1].problem or "")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "is empty"),
        ("not_really.csv", "binary"),
    ],
)
def test_unusable_files_are_refused_up_front(data: Path, name: str, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read(data / name)


def test_truncated_json_is_refused(data: Path) -> None:
    with pytest.raises(ImportFileError, match="ends before|malformed"):
        read(data / "truncated.json")


def test_json_named_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "contacts.json"
    path.write_text("name,email\nAnn,ann@example.com\n")
    with pytest.raises(ImportFileError, match="--format"):
        read(path)
    _, headers, _ = read(path, format="csv")
    assert headers == ["name", "email"]


def test_vcard_reads_2_1_quoted_printable_3_0_and_4_0(data: Path) -> None:
    _, _, cards = read(data / "contacts.vcf")
    first, second, third = (c.values for c in cards)
    assert first["name"] == "Ödön Kovács" and first["phone"][0]["value"] == "+36 70 400 9372"  # every TEL, best first
    assert [p["value"] for p in first["phone"]] == ["+36 70 400 9372", "+36 1 234 5678"]
    assert second["company"] == "Cykelverkstan AB" and second["tags"] == ["vip", "newsletter"]
    assert second["notes"] == "Prefers mornings, calls before 9"
    assert second["external_id"].startswith("urn:uuid:")
    assert third["phone"] == [{"value": "+44-7911-123456", "label": "cell"}] and third["birthday"] == "--1225"
    assert third["notes"].endswith("seventy-five octets long")
    assert [c.line for c in cards] == [1, 10, 21]
