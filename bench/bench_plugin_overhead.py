"""What the pytest plugin costs every pytest run: an empty suite with the plugin, and without it.

pytest loads the plugin (the package's ``pytest11`` entry point) in every run of every suite in an
environment where the package is installed, whether it uses Personalize or not. Runs alternate
between ``python -m pytest -q <empty dir>`` and the same with ``-p no:personalize_local``, plugin
autoloading on in both, so that machine noise falls on both alike. Prints the medians and the
difference.

    .venv/bin/python bench/bench_plugin_overhead.py [runs-each]
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

TARGET_SECONDS = 0.1


def seconds(command: list[str], env: dict[str, str], folder: str) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=folder)
    elapsed = time.perf_counter() - started
    # pytest's "no tests ran" is exit code 5: anything else means the run measured something other than an empty suite.
    assert run.returncode == 5, run.stdout + run.stderr
    return elapsed


def main(runs: int = 10) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
    with tempfile.TemporaryDirectory() as empty:
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", empty, empty]
        without = base[:3] + ["-p", "no:personalize_local"] + base[3:]
        plugin = subprocess.run([sys.executable, "-m", "pytest", "--trace-config", "--co", "-q", empty], env=env,
                                capture_output=True, text=True, cwd=empty).stdout
        assert "personalize_local" in plugin, "the plugin is not installed: nothing to measure"
        timings: dict[str, list[float]] = {"with the plugin": [], "without it (-p no:personalize_local)": []}
        seconds(base, env, empty)  # warm the file cache and bytecode once, for both
        for _ in range(runs):
            timings["with the plugin"].append(seconds(base, env, empty))
            timings["without it (-p no:personalize_local)"].append(seconds(without, env, empty))

    medians = {name: statistics.median(times) for name, times in timings.items()}
    with_plugin, without_plugin = medians.values()
    print(f"an empty suite, {runs} alternating runs each, medians")
    for name, median in medians.items():
        print(f"{name:<40}{median:7.3f} s")
    difference = with_plugin - without_plugin
    print(f"{'the plugin costs':<40}{difference:7.3f} s   ({with_plugin / without_plugin:.2f}x; target: at most {TARGET_SECONDS} s)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
