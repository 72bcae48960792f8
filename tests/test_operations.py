"""Every operation of the three services' models is served, by a method that takes exactly its input members."""
from __future__ import annotations

import inspect

import botocore.session
from botocore import xform_name

from personalize_local.backend import PersonalizeBackend

SERVICES = ("personalize", "personalize-events", "personalize-runtime")


def test_every_operation_is_served_by_a_method_of_its_input_members() -> None:
    session = botocore.session.get_session()
    backend = PersonalizeBackend("us-east-1", "123456789012")
    wrong = []
    for service in SERVICES:
        model = session.get_service_model(service)
        for name in model.operation_names:
            method = backend.handler(xform_name(name))
            if not callable(method):
                wrong.append(f"{service} {name}: not served")
                continue
            shape = model.operation_model(name).input_shape
            members = {xform_name(member) for member in (shape.members if shape else ())}
            required = {xform_name(member) for member in (shape.required_members if shape else ())}
            parameters = dict(inspect.signature(method).parameters)
            taken, needed = set(parameters), {p for p, v in parameters.items() if v.default is inspect.Parameter.empty}
            if taken != members:
                wrong.append(f"{service} {name}: takes {sorted(taken - members)} beyond the model, lacks {sorted(members - taken)}")
            if not needed <= required:
                wrong.append(f"{service} {name}: requires {sorted(needed - required)}, which the model makes optional")
    assert not wrong, "\n".join(wrong)


def test_every_operation_is_routed_by_exactly_one_service() -> None:
    """Each operation of the three models is named in the OPERATIONS of one service, whose method answers it;
    no service names an operation the models lack."""
    session = botocore.session.get_session()
    backend = PersonalizeBackend("us-east-1", "123456789012")
    modelled = [name for service in SERVICES for name in session.get_service_model(service).operation_names]
    assert len(modelled) == len(set(modelled)), "an operation name in two models: routing by name is ambiguous"
    routed: dict[str, list[str]] = {}
    for service in backend.services:
        for operation in service.OPERATIONS:
            routed.setdefault(operation, []).append(type(service).__name__)
    assert {operation: owners for operation, owners in routed.items() if len(owners) > 1} == {}, "routed by two services"
    assert sorted(set(modelled) - set(routed)) == [], "routed by no service"
    assert sorted(set(routed) - set(modelled)) == [], "in OPERATIONS, but in no model"
    for service in backend.services:
        for operation in service.OPERATIONS:
            assert backend.handler(xform_name(operation)) == getattr(service, xform_name(operation)), operation
