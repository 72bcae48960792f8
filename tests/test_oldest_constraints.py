"""`make test-oldest` installs what tools/oldest_constraints.py pins: every lower bound setup.cfg declares."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP_CFG = """
[options]
install_requires =
    boto3>=1.34
    # a comment between requirements
    moto[server]>=5.2.5,<5.3
    scipy>=1.11.1
{extra}
[options.extras_require]
test =
    pytest>=7.0
    playwright
"""


def constraints(tmp_path: Path, extra: str = "") -> subprocess.CompletedProcess[str]:
    path = tmp_path / "setup.cfg"
    path.write_text(SETUP_CFG.format(extra=extra))
    return subprocess.run([sys.executable, str(ROOT / "tools/oldest_constraints.py"), str(path)], capture_output=True, text=True, timeout=60)


def test_each_lower_bound_is_pinned_and_extras_and_upper_bounds_are_left_aside(tmp_path: Path) -> None:
    run = constraints(tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["boto3==1.34", "moto==5.2.5", "scipy==1.11.1", "pytest==7.0"]


def test_a_runtime_requirement_without_a_lower_bound_is_refused_naming_it(tmp_path: Path) -> None:
    run = constraints(tmp_path, "    lark")
    assert run.returncode == 1 and run.stdout == ""
    assert "lark: install_requires declares no lower bound" in run.stderr


def test_every_requirement_of_the_package_has_a_floor_the_oldest_run_tests() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "tools/oldest_constraints.py")], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert {"boto3", "botocore", "moto", "numpy", "pandas", "scipy", "scikit-learn", "werkzeug", "lark", "rectools-lightfm"} <= {
        line.split("==")[0] for line in run.stdout.split()
    }
