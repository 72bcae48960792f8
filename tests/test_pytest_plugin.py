"""The pytest plugin, as a user's suite runs it: examples/pytest_plugin, four tests sharing one training."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "pytest_plugin"


def test_a_suite_trains_once_and_every_test_starts_from_the_snapshot(tmp_path: Path) -> None:
    # The plugin named explicitly (the entry point registers it once the package is installed), and no other.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "personalize_local.pytest_plugin", "-p", "no:cacheprovider",
         "-s", "-q", "--rootdir", str(SAMPLE), str(SAMPLE)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 passed" in run.stdout
    assert run.stdout.count("training the campaign") == 1, run.stdout

