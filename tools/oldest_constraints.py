"""Pin every dependency setup.cfg declares to its lower bound: the constraints file of ``make test-oldest``.

Each ``name>=X`` of ``install_requires`` and of the extras becomes ``name==X`` (extras dropped: pip's
constraints name packages, not extras). A runtime requirement without a ``>=`` bound is an error, so
a dependency can't be added without a floor the oldest run would test. Constraints only apply to
packages that get installed, so pinning the extras too costs nothing. Standard library only: it runs
before any venv exists.

    python tools/oldest_constraints.py [setup.cfg] > constraints.txt
"""
from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path

# ``name[extras] specifiers``, as setup.cfg writes a requirement (no markers or URLs here).
_REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<specifiers>.*)$")


def _requirements(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def floor(requirement: str) -> tuple[str, str | None]:
    """The package's name and its ``>=`` bound, or None where it declares none."""
    match = _REQUIREMENT.match(requirement)
    if match is None:
        raise ValueError(f"can't read the requirement {requirement!r}")
    bounds = [spec.strip()[2:].strip() for spec in match["specifiers"].split(",") if spec.strip().startswith(">=")]
    return match["name"], bounds[0] if bounds else None


def constraints(setup_cfg: Path) -> list[str]:
    config = configparser.ConfigParser(interpolation=None)
    config.read(setup_cfg)
    runtime = _requirements(config.get("options", "install_requires", fallback=""))
    extras = [req for _, value in config.items("options.extras_require") for req in _requirements(value)] if config.has_section("options.extras_require") else []
    pins: list[str] = []
    for requirement in runtime + extras:
        name, version = floor(requirement)
        if version is None:
            if requirement in runtime:
                raise ValueError(f"{name}: install_requires declares no lower bound (>=) for the oldest run to test")
            continue
        pins.append(f"{name}=={version}")
    return pins


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1] / "setup.cfg"
    try:
        print("\n".join(constraints(path)))
    except ValueError as error:
        print(f"oldest_constraints: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
