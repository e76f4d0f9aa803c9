"""Every value from the database reaches the screen through here: as `rich.text.Text`, never as markup.

A customer named `[bold red]X[/]` or `[@click=app.quit]x[/]` must show those characters, and a note holding
an escape sequence (ESC, OSC 52) must not drive the terminal. So: strip control characters, build `Text`
(which Textual never parses as markup), and keep one-line cells on one line.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from rich.text import Text

_strip: Any = None


def clean(value: Any) -> str:
    """The value as display-safe characters (control characters dropped), "" for None."""
    global _strip
    if value is None:
        return ""
    if _strip is None:
        # Imported on first use: by the time database text is shown the core is loaded anyway, and the
        # app's module import stays free of SQLAlchemy.
        from deskapp.core.records import strip_controls

        _strip = strip_controls
    return str(_strip(str(value)))


def one_line(value: Any) -> str:
    return " ".join(clean(value).split())


def cell(value: Any, style: str = "") -> Text:
    """A single-line table cell or label from stored text."""
    return Text(one_line(value), style=style, no_wrap=True, overflow="ellipsis")


def block(value: Any, style: str = "") -> Text:
    """Multi-line stored text (notes, details), line breaks kept."""
    return Text(clean(value).expandtabs(4), style=style)


def words(value: Any) -> str:
    """An enum's public value as words: "waiting_on_customer" -> "waiting on customer"."""
    return str(value or "").replace("_", " ")


def local(moment: datetime) -> datetime:
    return moment.astimezone()


def when(moment: datetime | None) -> str:
    """A stored UTC moment as local "2026-11-23 10:30"."""
    return local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def day(value: date | None) -> str:
    """A date as "Mon 23 Nov" (with the year when it is not this one's)."""
    if value is None:
        return ""
    from deskapp.core.records import clock

    fmt = "%a %d %b" if value.year == clock.today().year else "%a %d %b %Y"
    return value.strftime(fmt)


def hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def age(days: int) -> str:
    if days <= 0:
        return "today"
    if days == 1:
        return "1 day"
    return f"{days} days"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
