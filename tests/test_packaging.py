"""What `pip install` gets: the wheel built from the Docker build context (the tree less .dockerignore), its
metadata (license, classifiers, project URLs), its license file and its type marker."""
from __future__ import annotations

import configparser
import fnmatch
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from email.message import Message
from pathlib import Path
from typing import Iterator

import pytest

import personalize_local

ROOT = Path(__file__).resolve().parents[1]
# The Apache License 2.0 as apache.org publishes it (https://www.apache.org/licenses/LICENSE-2.0.txt).
APACHE_2_MD5 = "3b83ef96387f14655fc854ddc3c6bd57"


def dockerignored(patterns: list[str], relative: Path) -> bool:
    """Whether .dockerignore's patterns leave the path out (a pattern names a path or, with `**/`, any part)."""
    parts = relative.parts
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: n + 1]), pattern) for n in range(len(parts))):
            return True
    return False


def build_context(target: Path) -> Path:
    """The files `docker build .` sends, copied to ``target``."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for folder, subfolders, files in os.walk(ROOT):
        here = Path(folder).relative_to(ROOT)
        subfolders[:] = [name for name in subfolders if not dockerignored(patterns, here / name)]  # .venv is not walked
        for name in files:
            if not dockerignored(patterns, here / name):
                (target / here).mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / here / name, target / here / name)
    return target


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    context = build_context(tmp_path_factory.mktemp("context"))
    out = tmp_path_factory.mktemp("wheel")
    run = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(context)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    [built] = out.glob("personalize_local-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def metadata(wheel: zipfile.ZipFile) -> Message:
    [name] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return Parser().parsestr(wheel.read(name).decode())


def test_the_license_file_is_the_apache_license_setup_cfg_names() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert config["metadata"]["license"] == "Apache-2.0"
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.md5(text).hexdigest() == APACHE_2_MD5
    assert text.lstrip().startswith(b"Apache License\n                           Version 2.0, January 2004")


def test_the_wheel_holds_the_package_its_type_marker_and_the_license(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    assert "personalize_local/py.typed" in names
    assert "personalize_local/threaded.py" in names
    assert any(n.startswith("personalize_local/console/static/") for n in names)
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)
    [license_file] = [n for n in names if ".dist-info/" in n and n.rsplit("/", 1)[-1] == "LICENSE"]
    assert wheel.read(license_file) == (ROOT / "LICENSE").read_bytes()


def test_the_wheels_metadata(wheel: zipfile.ZipFile) -> None:
    meta = metadata(wheel)
    assert meta["Version"] == personalize_local.__version__
    assert "Apache-2.0" in (meta.get("License-Expression"), meta.get("License"))
    assert meta["Requires-Python"] == ">=3.10"
    classifiers = set(meta.get_all("Classifier"))
    assert {
        "Framework :: Pytest",
        "License :: OSI Approved :: Apache Software License",
        "Development Status :: 4 - Beta",
        "Topic :: Software Development :: Testing",
        "Typing :: Typed",
        *(f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13)),
    } <= classifiers
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert set(urls) >= {"Documentation", "Source", "Issues"}
    assert all(url.startswith("https://github.com/personalize-local/personalize-local") for url in urls.values())
