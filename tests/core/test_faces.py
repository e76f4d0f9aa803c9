"""Each upper core package has a public face: its `__init__` says what it holds and what it may import, and
re-exports every name that code outside the package takes from its modules (so callers can import from the
face instead of reaching into private modules)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FACES = ("hygiene", "io", "history", "analytics", "ops")


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _imported_from_outside(package: str) -> set[str]:
    """Names (not submodules) imported from `deskapp.core.<package>.*` by files outside that package."""
    inside = ROOT / "deskapp" / "core" / package
    prefix = f"deskapp.core.{package}"
    names: set[str] = set()
    for path in [
        *(ROOT / "deskapp").rglob("*.py"),
        *(ROOT / "tests").rglob("*.py"),
        *(ROOT / "benchmarks").rglob("*.py"),
    ]:
        if inside in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
                for alias in node.names:
                    if not _is_module(f"{node.module}.{alias.name}"):
                        names.add(alias.name)
    return names


@pytest.mark.parametrize("package", FACES)
def test_face_says_what_it_holds_and_may_import(package: str) -> None:
    face = importlib.import_module(f"deskapp.core.{package}")
    assert face.__doc__ and "may import" in face.__doc__.lower()
    assert list(face.__all__) == sorted(set(face.__all__), key=lambda n: (not n.isupper(), n))
    for name in face.__all__:
        assert getattr(face, name) is not None


@pytest.mark.parametrize("package", FACES)
def test_face_exports_every_name_used_outside(package: str) -> None:
    face = importlib.import_module(f"deskapp.core.{package}")
    missing = _imported_from_outside(package) - set(face.__all__)
    assert not missing, f"deskapp.core.{package} should re-export {sorted(missing)}"


def test_faces_leave_numpy_and_scipy_unloaded() -> None:
    """Importing every face stays cheap: the model fits load numpy and scipy when they run."""
    code = (
        "import sys\n"
        + "".join(f"import deskapp.core.{p}\n" for p in FACES)
        + "bad = [m for m in ('numpy', 'scipy') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
