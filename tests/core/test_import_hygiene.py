"""The core stays headless: importing it must not pull in a UI toolkit (checked in a clean interpreter)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import deskapp.core

CORE_MODULES = sorted(
    m.name for m in pkgutil.walk_packages(deskapp.core.__path__, "deskapp.core.") if ".migrations" not in m.name
)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_no_ui(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = [m for m in ('textual', 'typer', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_cli_help_does_not_import_the_core_or_textual() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from deskapp.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "bad = [m for m in ('textual', 'sqlmodel', 'sqlalchemy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
