"""Text inputs that follow the app's cursor-blink setting (snapshot tests switch blinking off)."""

from __future__ import annotations

from textual.widgets import Input, TextArea


class DeskInput(Input):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)


class DeskTextArea(TextArea):
    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink_enabled", True)
