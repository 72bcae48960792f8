"""The package's architecture holds: setup.cfg's [importlinter] contracts (layers, no import cycles, recipes that
know nothing of the backend or the evaluation), as lint-imports checks them."""
from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The venv's, next to this interpreter.
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACT = "importlinter:contract:"
# Older versions colour their report whatever the output.
ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def lint_imports(root: Path) -> tuple[int, str]:
    """lint-imports on the package under ``root``, by ``root``'s setup.cfg (no cache written into the tree):
    its exit status and its report."""
    run = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    return run.returncode, ANSI_STYLE.sub("", run.stdout + run.stderr)


def broken_contracts(root: Path, report: str) -> set[str]:
    """The ids of the contracts the report says are broken, by their names in ``root``'s setup.cfg."""
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    names = {config[section]["name"]: section[len(CONTRACT):] for section in config.sections() if section.startswith(CONTRACT)}
    return {names[name] for name in re.findall(r"^(.+) BROKEN$", report, re.M)}


def test_the_package_keeps_every_contract() -> None:
    status, report = lint_imports(ROOT)
    assert status == 0, report
    assert "Contracts: 3 kept, 0 broken." in report


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The recipes reaching up into the evaluation, which fits them.
        ("recipes/training.py", "from ..eval import evaluate", {"layers", "acyclic", "recipes"}),
        # The backend reaching up into the wire, which calls it: a cycle between the two packages.
        ("backend/core.py", "from ..wire.models import route", {"layers", "acyclic"}),
        # The errors, at the bottom, importing their sibling.
        ("errors.py", "from .service_models import SERVICES", {"layers"}),
        # A cycle inside one layer: csv_import reads the schemas.
        ("data/schemas.py", "from . import csv_import", {"acyclic"}),
    ],
    ids=["recipes-import-eval", "backend-imports-wire", "errors-import-a-sibling", "cycle-within-data"],
)
def test_a_forbidden_import_breaks_its_contracts(tmp_path: Path, module: str, line: str, broken: set[str]) -> None:
    shutil.copytree(ROOT / "personalize_local", tmp_path / "personalize_local", ignore=shutil.ignore_patterns("__pycache__", "static"))
    shutil.copy(ROOT / "setup.cfg", tmp_path)
    path = tmp_path / "personalize_local" / module
    path.write_text(f"{path.read_text()}\n{line}\n")

    status, report = lint_imports(tmp_path)

    assert status == 1, report
    assert broken_contracts(tmp_path, report) == broken, report


# Dead code: vulture, with tools/vulture_allowlist.py naming what the package uses by name (dispatched
# handlers, grammar callbacks, fixtures ...), at 60%: every kind of finding (functions, classes, methods,
# attributes and variables are 60% findings).
ALLOWLIST = ROOT / "tools" / "vulture_allowlist.py"


def vulture(package: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vulture", str(package), str(ALLOWLIST), "--min-confidence", "60"],
        capture_output=True, text=True, timeout=120,
    )


def test_vulture_finds_no_dead_code() -> None:
    run = vulture(ROOT / "personalize_local")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_vulture_names_a_function_nothing_calls(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "personalize_local", tmp_path / "personalize_local", ignore=shutil.ignore_patterns("__pycache__", "static"))
    path = tmp_path / "personalize_local" / "recipes" / "base.py"
    path.write_text(f"{path.read_text()}\n\ndef never_called() -> None:\n    pass\n")

    run = vulture(tmp_path / "personalize_local")

    assert run.returncode != 0
    [finding] = run.stdout.splitlines()
    assert finding.endswith(f"recipes/base.py:{len(path.read_text().splitlines()) - 1}: unused function 'never_called' (60% confidence)")


def test_the_allowlist_names_the_operations_of_the_models() -> None:
    run = subprocess.run([sys.executable, str(ALLOWLIST), "--check"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
