"""The strip of sections under the header: which page you are on, the key for each, clickable."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

SECTIONS = (
    ("today", "1", "Today"),
    ("customers", "2", "Customers"),
    ("complaints", "3", "Complaints"),
    ("follow_ups", "4", "Follow-ups"),
    ("reports", "5", "Reports"),
    ("duplicates", "6", "Duplicates"),
)


def nav_content(current: str) -> Content:
    """Built from the constants above only, so markup (for the click actions) is safe here."""
    parts = []
    for mode, key, label in SECTIONS:
        style = "reverse bold" if mode == current else "bold"
        parts.append(f"[@click=app.goto('{mode}')][{style}] {key} [/{style}] {label}[/]")
    return Content.from_markup("   ".join(parts))


class NavBar(Static):
    def __init__(self, current: str) -> None:
        super().__init__(nav_content(current), classes="navbar")
