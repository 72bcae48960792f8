"""An emulator installed beside an older botocore answers as the service does to an SDK that old: without the
members its model doesn't know yet."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import botocore.session
import pytest

from .conftest import Clients, make_clients
from .helpers import active_version, loaded_group
from .servers import start_command, stop

# SolutionVersion and its summary gained trainingType with automatic training (botocore 1.34.0 lacks it).
NEWER_MEMBER = "trainingType"


def older_models(root: Path) -> Path:
    """A botocore data path whose Personalize model is the installed one without NEWER_MEMBER anywhere."""
    model = botocore.session.get_session().get_component("data_loader").load_service_model("personalize", "service-2")
    for shape in model["shapes"].values():
        shape.get("members", {}).pop(NEWER_MEMBER, None)
    where = root / "personalize" / model["metadata"]["apiVersion"]
    where.mkdir(parents=True)
    (where / "service-2.json").write_text(json.dumps(model))
    return root


@pytest.fixture
def older_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Clients, Clients]]:
    """`personalize-local server` whose botocore reads the older model (botocore reads AWS_DATA_PATH first):
    clients of it on the older model, which flag any member not in it, and on the installed one."""
    monkeypatch.setenv("AWS_DATA_PATH", str(older_models(tmp_path)))
    server, endpoint = start_command()
    try:
        older = make_clients(endpoint_url=endpoint)
        monkeypatch.delenv("AWS_DATA_PATH")
        yield older, make_clients(endpoint_url=endpoint)
    finally:
        code, err = stop(server)
    assert code == 0, err


def test_a_member_the_installed_model_lacks_is_left_out_of_the_answer(older_server: tuple[Clients, Clients]) -> None:
    older, newest = older_server
    group = loaded_group(older)
    version_arn = active_version(older, group.dataset_group_arn)

    described = newest.personalize.describe_solution_version(solutionVersionArn=version_arn)["solutionVersion"]
    # The installed SDK parses trainingType where it is sent: the server left it out, and answered the rest.
    assert described["status"] == "ACTIVE" and NEWER_MEMBER not in described
    listed = older.personalize.list_solution_versions()["solutionVersions"]
    assert [v["solutionVersionArn"] for v in listed] == [version_arn]
    assert older.shape_errors == [], "\n".join(older.shape_errors)
