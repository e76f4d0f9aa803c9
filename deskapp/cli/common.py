"""What every command shares: the desk it works on, who is at it, and how errors reach the user."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar, cast

import typer
from rich.console import Console

F = TypeVar("F", bound=Callable[..., Any])

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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


def fail(message: str, code: int = 2) -> NoReturn:
    from rich.text import Text

    err_console.print(Text("error: ", style="bold red") + Text(message))
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
