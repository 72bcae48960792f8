"""Importing the package costs nothing until it is used, and moto's mock_aws still serves Personalize from here.

Each check runs in a fresh interpreter: this one has long imported everything.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import INTERACTIONS_SCHEMA

ROOT = Path(__file__).resolve().parents[1]
# What neither the package nor its pytest plugin (loaded in every pytest run) may import before it is used.
HEAVY = ("pandas", "scipy", "sklearn", "lightfm", "numba", "numpy", "moto", "moto.s3", "boto3", "personalize_local.backend")


def run_python(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"},
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("module", ["personalize_local", "personalize_local.pytest_plugin"])
def test_importing_loads_nothing_heavy(module: str) -> None:
    loaded = run_python(f"import sys, json, {module}; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    assert json.loads(loaded) == []


def test_what_the_package_exports_loads_on_first_use() -> None:
    names = run_python(
        "import personalize_local as p\n"
        "print(all(callable(getattr(p, name)) for name in p.__all__), sorted(set(p.__all__) - set(dir(p))))"
    )
    assert names.split() == ["True", "[]"]


MOCK_AWS = """
import boto3
from moto import mock_aws
from moto.backends import get_backend
with mock_aws():
    p = boto3.client("personalize", region_name="us-east-1")
    arn = p.create_schema(name="s", schema={schema!r})["schemaArn"]
    backend = get_backend("personalize")["123456789012"]["us-east-1"]
    print(type(backend).__module__, backend.schemas.schemas.get(arn).name)
    runtime = boto3.client("personalize-runtime", region_name="us-east-1")  # a host moto knows nothing of
    try:
        runtime.get_recommendations(campaignArn=arn.replace("schema/s", "campaign/none"), userId="u")
    except runtime.exceptions.ResourceNotFoundException as error:
        print(error.response["Error"]["Code"])
"""


@pytest.mark.parametrize("order", ["package first", "moto first"])
def test_moto_mock_aws_serves_personalize_from_here_once_the_package_is_imported(order: str) -> None:
    imports = ["import personalize_local", "import moto"]
    code = "\n".join(imports if order == "package first" else imports[::-1]) + MOCK_AWS.format(schema=INTERACTIONS_SCHEMA)
    assert run_python(code).split() == ["personalize_local.backend", "s", "ResourceNotFoundException"]


def test_the_answer_paths_compiler_loads_with_the_first_answer_not_before() -> None:
    loaded = run_python(
        "import sys, boto3\n"
        "from personalize_local import mock_personalize\n"
        "with mock_personalize():\n"
        "    boto3.client('personalize', region_name='us-east-1').create_dataset_group(name='g')\n"
        "    from personalize_local.recipes import blend, user_personalization\n"
        "    print('numba' in sys.modules)\n"
        "    import numpy as np\n"
        "    print(blend.best_positions(np.array([0.2, 0.9, 0.5]), 2).tolist(), 'numba' in sys.modules)\n"
    )
    assert loaded.split() == ["False", "[1,", "2]", "True"]
