"""Opening what the user hands us: a path or standard input, in whatever encoding and format it came.

The first 64 KiB decide the encoding (BOM, UTF-16 by its NUL bytes, UTF-8, else Windows-1252, which is
announced because it is a guess), the format (content first: a file called .csv that holds JSON is JSON)
and the CSV delimiter. The rest is streamed through a byte counter that drives the progress bar, so a
file of any size is read with flat memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from deskapp.core.records import DeskError

HEAD_BYTES = 64 * 1024
FORMATS = ("csv", "json", "jsonl", "vcf")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".vcf": "vcf",
    ".vcard": "vcf",
}

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long notes: the default 131072 raises mid-file


class ImportFileError(DeskError):
    """The file can't be read as data at all: missing, empty, binary, not the format it claims."""


@dataclass(slots=True)
class Record:
    """One row of the input: where it starts, its values by column, and what to write back if rejected."""

    line: int
    values: dict[str, Any]
    raw: Any
    problem: str | None = None  # a row that can't be read at all (bad JSON line, too many cells)


@dataclass
class SourceInfo:
    name: str
    format: str
    encoding: str
    delimiter: str | None = None
    size: int | None = None  # bytes, when known (a file; not stdin)
    bom: bool = False
    notices: list[str] = field(default_factory=list)


class _CountingReader(io.RawIOBase):
    """The already-read head, then the rest of the stream, counting bytes for the progress bar."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if len(self._head):
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._rest.read(len(buffer))
            n = len(data)
            buffer[:n] = data
        self.count += n
        return n


def _read_head(stream: IO[bytes]) -> bytes:
    chunks, size = [], 0
    while size < HEAD_BYTES:
        chunk = stream.read(HEAD_BYTES - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def sniff_encoding(head: bytes, notices: list[str]) -> tuple[str, bool]:
    """(codec name, had a BOM)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    sample = head[:4096]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if len(sample) >= 4 and max(odd, even) >= len(sample) // 4 and min(odd, even) <= max(odd, even) // 20:
        return ("utf-16-le" if odd > even else "utf-16-be"), False  # text in UTF-16: every other byte is 0
    if b"\x00" in head:
        raise ImportFileError("this looks like a binary file, not CSV, JSON or vCard")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < HEAD_BYTES)
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        notices.append("the file is not UTF-8; read it as Windows-1252 (use --encoding if that is wrong)")
        return "cp1252", False
    except UnicodeDecodeError:
        notices.append("the file is not UTF-8; read it as Latin-1 (use --encoding if that is wrong)")
        return "latin-1", False


def _looks_binary(text: str) -> bool:
    """Control characters other than tab and line ends don't occur in text files (or in ours, anyway)."""
    sample = text[:4096]
    controls = sum(1 for c in sample if c < " " and c not in "\t\r\n\f" or c == "\x7f" or c == "\ufffd")
    return controls > max(2, len(sample) // 100)


def sniff_format(text: str, name: str) -> str:
    start = text.lstrip("\ufeff \t\r\n")
    if start[:11].upper() == "BEGIN:VCARD":
        return "vcf"
    if start.startswith("["):
        return "json"
    if start.startswith("{"):
        first = start.split("\n", 1)[0].strip()
        return "jsonl" if first.endswith("}") else "json"
    guess = _EXTENSIONS.get(Path(name).suffix.lower())
    if guess in ("json", "jsonl", "vcf"):
        raise ImportFileError(f"{name} is named like {guess} but doesn't start like it; use --format")
    return "csv"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields, the most of them."""
    lines = text.splitlines()[:30]
    if len(lines) > 1 and len(text) >= HEAD_BYTES - 4:
        lines = lines[:-1]  # the last line of the head may be cut short
    best, best_score = ",", (0, 0)
    for delimiter in (",", ";", "\t", "|"):
        try:
            rows = [r for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows if len(r) == width)
        score = (consistent if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class Source:
    """An opened input: `info` says what it is, `text` streams it decoded, `bytes_read` how far along."""

    def __init__(
        self,
        path: str | Path | IO[bytes],
        *,
        format: str | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        self._owned: IO[bytes] | None = None
        if isinstance(path, str | Path):
            if str(path) == "-":
                stream, name, size = sys.stdin.buffer, "<stdin>", None
            else:
                p = Path(path)
                if p.is_dir():
                    raise ImportFileError(f"{p} is a directory")
                stream = self._owned = p.open("rb")
                name, size = str(p), p.stat().st_size
        else:
            stream, name, size = path, getattr(path, "name", "<stream>"), None
        head = _read_head(stream)
        if not head.strip(b" \t\r\n\xef\xbb\xbf\xff\xfe\x00"):
            self.close()
            raise ImportFileError(f"{name} is empty")
        notices: list[str] = []
        bom = False
        if encoding:
            codec = encoding
        else:
            codec, bom = sniff_encoding(head, notices)
        try:
            head_text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head)
        except LookupError:
            self.close()
            raise ImportFileError(f"unknown encoding {encoding!r}") from None
        if _looks_binary(head_text):
            self.close()
            raise ImportFileError(f"{name} looks like a binary file, not CSV, JSON or vCard")
        fmt = format or sniff_format(head_text, name)
        if fmt not in FORMATS:
            self.close()
            raise ImportFileError(f"unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
        sep = None
        if fmt == "csv":
            sep = delimiter or sniff_delimiter(head_text.lstrip("\ufeff"))
        self.info = SourceInfo(name, fmt, codec, sep, size, bom, notices)
        self._counter = _CountingReader(head, stream)
        self.text = io.TextIOWrapper(io.BufferedReader(self._counter, 1 << 16), encoding=codec, newline="")

    @property
    def bytes_read(self) -> int:
        return self._counter.count

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
