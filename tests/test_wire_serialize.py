"""The response writers write what json.dumps writes for the result's JSON form, byte for byte."""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pytest
from botocore.model import ShapeResolver

from personalize_local.service_models import service_model
from personalize_local.wire.serialize import ResultWriter, _writer

SHAPES = ShapeResolver({
    "Out": {"type": "structure", "members": {
        "text": {"shape": "Text"}, "count": {"shape": "Count"}, "big": {"shape": "Big"}, "score": {"shape": "Score"},
        "ratio": {"shape": "Ratio"}, "flag": {"shape": "Flag"}, "when": {"shape": "When"}, "names": {"shape": "Names"},
        "scores": {"shape": "Scores"}, "labels": {"shape": "Labels"}, "nested": {"shape": "Inner"}, "items": {"shape": "Items"},
    }},
    "Inner": {"type": "structure", "members": {"text": {"shape": "Text"}, "count": {"shape": "Count"}, "inner": {"shape": "Inner2"}}},
    "Inner2": {"type": "structure", "members": {"text": {"shape": "Text"}}},
    "Text": {"type": "string"}, "Count": {"type": "integer"}, "Big": {"type": "long"}, "Score": {"type": "double"},
    "Ratio": {"type": "float"}, "Flag": {"type": "boolean"}, "When": {"type": "timestamp"},
    "Names": {"type": "list", "member": {"shape": "Text"}}, "Scores": {"type": "list", "member": {"shape": "Score"}},
    "Labels": {"type": "map", "key": {"shape": "Text"}, "value": {"shape": "Text"}},
    "Items": {"type": "list", "member": {"shape": "Inner"}},
})
WHEN = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)


def json_form(value: Any, shape: Any) -> Any:
    """The result's JSON form as the service's protocol has it, for json.dumps: what the writers must match."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        return {name: json_form(item, shape.members[name]) for name, item in value.items() if item is not None and name in shape.members}
    if kind == "list":
        return [json_form(item, shape.member) for item in value]
    if kind == "map":
        return {key: json_form(item, shape.value) for key, item in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else value
    if kind in ("float", "double"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    return value


RESULTS = {
    "scalars": {"text": "plain", "count": 3, "big": 2**70, "score": 0.0116655, "ratio": 1e-05, "flag": True, "when": WHEN},
    "not ASCII, quotes, controls": {"text": 'caf\u00e9 "q" \\ \n\t \u2028 \U0001F600', "names": ["\x00", "\u00ff"]},
    "numbers of other kinds": {"count": np.int64(7), "score": np.float32(0.1), "ratio": 3, "scores": [np.float64(0.25), 1, 2.5e-10, 1e22]},
    "not finite": {"scores": [math.nan, math.inf, -math.inf], "score": -0.0},
    "booleans and numbers as integers": {"count": True, "big": 12.0},
    "members out of order, unknown and None": {"flag": False, "unknown": 1, "text": None, "count": 0},
    "maps and nesting": {"labels": {"a": "b", "\u00e9": "\u00e8"}, "nested": {"inner": {"text": "deep"}, "count": 2}, "items": [{"count": 1}, {}]},
    "timestamps as numbers": {"when": 1700000000},
    "empty": {},
    "a member's value of another type": {"text": 5, "flag": "yes", "names": [None, 1.5, {"k": [1, None]}]},
}


@pytest.mark.parametrize("name", list(RESULTS))
def test_writes_what_json_dumps_writes(name: str) -> None:
    shape = SHAPES.get_shape_by_name("Out")
    assert _writer(shape)(RESULTS[name]) == json.dumps(json_form(RESULTS[name], shape))


def test_a_map_s_keys_of_other_types_as_json_dumps_writes_them() -> None:
    shape = SHAPES.get_shape_by_name("Labels")
    labels = {1: "one", 2.5: "x", False: "f", None: "n", "s": "s"}
    assert _writer(shape)(labels) == json.dumps(labels)


def test_an_operation_s_response() -> None:
    operation = service_model("personalize-runtime").operation_model("GetRecommendations")
    result = {"itemList": [{"itemId": "1", "score": 0.5, "promotionName": None}], "recommendationId": "RID-1"}
    assert ResultWriter(operation)(result) == (200, {"Content-Type": "application/json"}, json.dumps(json_form(result, operation.output_shape)).encode())
    control = service_model("personalize").operation_model("DeleteSchema")
    assert ResultWriter(control)(None) == (200, {"Content-Type": "application/x-amz-json-1.1"}, b"{}")
