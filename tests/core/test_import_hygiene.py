"""The core stays headless: importing it must not pull in a UI toolkit (checked in a clean interpreter)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import deskapp.core
from deskapp.core import activity, customers
from deskapp.core.activity import service as activity_service
from deskapp.core.customers import service as customer_service

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


# The lower packages of the core and what each may import from the core (itself included).
LOWER_LAYERS = {
    "records": {"records"},
    "db": {"records", "db"},
    "customers": {"records", "db", "customers"},
    "activity": {"records", "db", "customers", "activity"},
}
CORE_DIR = Path(deskapp.core.__file__).parent


def _lower_modules() -> list[Path]:
    return sorted(
        path for package in LOWER_LAYERS for path in (CORE_DIR / package).glob("*.py") if path.name != "__init__.py"
    )


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def test_the_lower_core_imports_at_the_top_only() -> None:
    """Imports inside functions hid the cycles (audit/engine, service/lifecycle): the lower packages have none."""
    local = [
        f"{path.relative_to(CORE_DIR)}:{node.lineno}"
        for path in _lower_modules()
        for function in ast.walk(ast.parse(path.read_text()))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert not local, local


@pytest.mark.parametrize("package", sorted(LOWER_LAYERS))
def test_each_lower_package_imports_only_the_layers_below_it(package: str) -> None:
    reached = {
        name.split(".")[2]
        for path in (CORE_DIR / package).glob("*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in _imported(node)
        if name.startswith("deskapp.core.")
    }
    assert reached <= LOWER_LAYERS[package], sorted(reached - LOWER_LAYERS[package])


REPO = CORE_DIR.parents[1]


def _names_imported_from(package: str) -> set[str]:
    """Public names that code outside the package imports from its modules today."""
    inside = CORE_DIR / package
    names: set[str] = set()
    for folder in ("deskapp", "tests", "benchmarks", "tools"):
        for path in (REPO / folder).rglob("*.py"):
            if inside in path.parents:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"deskapp.core.{package}"):
                    names.update(alias.name for alias in node.names if not alias.name.startswith("_"))
    return names


@pytest.mark.parametrize("package", sorted(LOWER_LAYERS))
def test_each_lower_face_re_exports_what_callers_use(package: str) -> None:
    face = importlib.import_module(f"deskapp.core.{package}")
    assert face.__doc__ and "import" in face.__doc__  # says what it may import
    assert [name for name in face.__all__ if not hasattr(face, name)] == []
    assert sorted(_names_imported_from(package) - set(face.__all__)) == []


def test_the_records_face_leaves_sqlmodel_for_later() -> None:
    """The TUI reads the clock, errors and read models on its start-up path, before SQLModel may load."""
    code = (
        "import sys\n"
        "from deskapp.core.records import DeskError, Page, clock\n"
        "import deskapp.core.records.errors, deskapp.core.records.readmodels\n"
        "assert not {'sqlalchemy', 'sqlmodel'} & set(sys.modules), 'loaded too early'\n"
        "from deskapp.core.records import Customer\n"
        "assert Customer.__tablename__ == 'customer'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_lower_core_modules_stay_short() -> None:
    long = {
        str(path.relative_to(CORE_DIR)): n
        for package in LOWER_LAYERS
        for path in (CORE_DIR / package).glob("*.py")
        if (n := len(path.read_text().splitlines())) > 450
    }
    assert long == {}


def test_split_services_answer_under_their_old_module_names_too() -> None:
    """Callers still importing `activity.service` and `customers.service` get the very same functions."""

    assert [
        name for name in activity_service.__all__ if getattr(activity_service, name) is not getattr(activity, name)
    ] == []
    assert customer_service.search_customers is customers.search_customers
    assert customer_service.timeline is customers.timeline and customer_service.get_customer is customers.get_customer
