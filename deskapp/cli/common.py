"""What every command shares: the desk it works on, who is at it, and how errors reach the user."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar, cast

import typer
from rich.console import Console
from rich.segment import Segment

F = TypeVar("F", bound=Callable[..., Any])

# C0 and C1 controls but tab and the line end rich itself writes: an ESC from a name, a file or the database would
# clear the screen, recolour it or (OSC 52) write the clipboard.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """`text` without terminal control characters (what the TUI strips on display, too)."""
    return _CONTROLS.sub("", text)


class PlainConsole(Console):
    """A Console whose text reaches the terminal without control characters, whatever renderable or table
    cell it came in; only rich's own styling (control segments and styles) is emitted as escapes."""

    def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and _CONTROLS.search(segment.text):
                yield Segment(plain_text(segment.text), segment.style)
            else:
                yield segment


console = PlainConsole(highlight=False)
# Messages stay one line however long, when stderr is a file or a pipe as much as on a terminal.
err_console = PlainConsole(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class DeskContext:
    """Set by the top-level callback from --db / --as (or DESKAPP_DB / DESKAPP_USER)."""

    db: str | None = None
    staff: str | None = None

    def engine(self, *, migrate: bool = True) -> Any:
        from deskapp.core.db import open_engine

        return open_engine(self.db, migrate=migrate)

    def session(self, engine: Any, *, write: bool = False) -> Any:
        from deskapp.core.db import session_scope

        return session_scope(engine, staff=self.staff, write=write)


def desk(ctx: typer.Context) -> DeskContext:
    root = ctx.find_root()
    if not isinstance(root.obj, DeskContext):
        root.obj = DeskContext()
    return root.obj


MESSAGE_CHARS = 1000


def fail(message: str, code: int = 2) -> NoReturn:
    from rich.text import Text

    line = " ".join(plain_text(message).split()) if "\n" in message or "\r" in message else message
    if len(line) > MESSAGE_CHARS:
        line = line[: MESSAGE_CHARS - 1] + "…"
    err_console.print(Text("error: ", style="bold red") + Text(line), soft_wrap=True)  # one line, for grep
    raise typer.Exit(code)


def handle_errors(fn: F) -> F:
    """Errors a person can fix print as one clear line with exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from deskapp.core.records import DeskError

        try:
            return fn(*args, **kwargs)
        except DeskError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(f"{exc.strerror or exc}: {getattr(exc, 'filename', '') or ''}".rstrip(": "))
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing more was written")
            raise typer.Exit(130) from None

    return cast(F, wrapper)  # functools.wraps keeps the signature typer reads


def print_json(data: Any) -> None:
    """JSON for scripts: stable keys, UTF-8, no rich markup or wrapping."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str, sort_keys=False) + "\n")
