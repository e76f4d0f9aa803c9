"""The README is the manual: every command the CLI has must be named in it, and its quick start must hold
exactly the two command lines the project promises."""

from __future__ import annotations

import re
from pathlib import Path

import typer.core
import typer.main

from deskapp.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[str]:
    group = typer.main.get_command(app)
    out: list[str] = []
    assert isinstance(group, typer.core.TyperGroup)
    for name, command in group.commands.items():
        out.append(name)
        for sub in getattr(command, "commands", {}):
            out.append(f"{name} {sub}")
    return out


def test_every_command_is_in_the_readme() -> None:
    text = re.sub(r"\s+", " ", README)
    missing = []
    for path in command_paths():
        head, _, sub = path.partition(" ")
        if f"deskapp {path}" in text:
            continue
        if sub and re.search(rf"deskapp {head} [^`\n]*\b{re.escape(sub)}\b", text):
            continue
        missing.append(path)
    assert missing == []


def test_quick_start_has_the_two_command_lines() -> None:
    section = re.search(r"^## Quick start$(.*?)^## ", README, re.M | re.S)
    assert section
    lines = [
        line
        for block in re.findall(r"```[a-z]*\n(.*?)```", section.group(1), re.S)
        for line in block.splitlines()
        if line.strip()
    ]
    assert lines == ["pip install . && deskapp demo", "pip install '.[test]' && pytest -n auto"]


def test_every_import_action_is_in_the_readme() -> None:
    """`deskapp import history|undo|mappings` are not typer commands, so the test above can't see them."""
    from deskapp.cli.importing import IMPORT_ACTIONS

    assert IMPORT_ACTIONS, "the actions register when deskapp.cli is imported"
    assert [word for word in IMPORT_ACTIONS if f"deskapp import {word}" not in README] == []
