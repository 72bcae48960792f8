"""Every operation of the three services' models is served."""
from __future__ import annotations

import botocore.session
import pytest
from botocore import xform_name

from personalize_local.backend import PersonalizeBackend

SERVICES = ("personalize", "personalize-events", "personalize-runtime")


def operations() -> list[tuple[str, str]]:
    session = botocore.session.get_session()
    return [(service, name) for service in SERVICES for name in session.get_service_model(service).operation_names]


@pytest.mark.parametrize("service, operation", operations())
def test_every_operation_is_served(service: str, operation: str) -> None:
    assert callable(getattr(PersonalizeBackend, xform_name(operation), None)), f"{service} {operation} is not served"
