"""The state codec on values the API can't be asked to hold yet, so that fields other models add come back too."""
from __future__ import annotations

import json
from collections import Counter, OrderedDict, defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from personalize_local.backend.auto_training import Schedule
from personalize_local.recipes.use_cases import USE_CASES, Need
from personalize_local.state import StateError
from personalize_local.state.arrays import EXTENSIONS
from personalize_local.state.codec import Decoder, Encoder
from personalize_local.state.records import REGISTRY


def round_trip(value: Any) -> Any:
    encoder = Encoder(REGISTRY, EXTENSIONS)
    text = json.dumps(encoder.encode(value, "value"))
    return Decoder(REGISTRY, lambda n: encoder.blobs[n], EXTENSIONS).decode(json.loads(text))


def test_values_of_every_kind_come_back_equal() -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
    value = {
        "text": ["a", None, 1, 2.5, float("inf"), True],
        (1, "key"): frozenset({("a", 1), ("b", 2)}),
        "set": {("USER_ID", "u1"), ("ITEM_ID", "i1")},
        "times": [when, date(2024, 5, 1), timedelta(days=2, seconds=3), pd.Timestamp("2024-05-01T00:00:00Z")],
        "numbers": [np.float32(0.25), np.int64(7), np.bool_(True), np.datetime64("2024-05-01")],
        "collections": [defaultdict(list, {"a": [1]}), OrderedDict(b=2), Counter("aab")],
        "enum": Need.REQUIRED,
    }
    objects = np.array(["x", None, 3], dtype=object)
    back, back_objects = round_trip([value, objects])
    assert back == value
    assert back_objects.dtype == object and back_objects.tolist() == objects.tolist()
    assert back["collections"][0].default_factory is list and back["enum"] is Need.REQUIRED


def test_arrays_sparse_matrices_and_frames_keep_their_types() -> None:
    frame = pd.DataFrame({
        "USER_ID": ["u1", "u2", None],
        "TIMESTAMP": pd.array([1, None, 3], dtype="Int64"),
        "VALUE": [0.5, np.nan, 1.5],
        "GENRE": pd.Categorical(["a", "b", "a"]),
        "WHEN": pd.to_datetime(["2024-01-01", "2024-01-02", None], utc=True),
        "MIXED": ["a", 1, pd.NA],
    }, index=pd.Index([10, 20, 30], name="row"))
    csr = sp.random(20, 30, density=0.1, format="csr", random_state=1, dtype=np.float32)
    value = {"frame": frame, "series": frame["VALUE"], "csr": csr, "dok": csr.todok(), "csc_array": sp.csc_array(csr),
             "grid": np.arange(12, dtype=np.int16).reshape(3, 4), "multi": frame.set_index(["USER_ID", "GENRE"])}
    back = round_trip(value)
    pd.testing.assert_frame_equal(back["frame"], frame)
    pd.testing.assert_series_equal(back["series"], frame["VALUE"])
    pd.testing.assert_frame_equal(back["multi"], value["multi"])
    for name in ("csr", "dok", "csc_array"):
        assert type(back[name]) is type(value[name]) and (back[name] != value[name]).nnz == 0
    assert back["grid"].dtype == np.int16 and (back["grid"] == value["grid"]).all()


def test_shared_objects_stay_shared_and_constants_stay_themselves() -> None:
    shared = Schedule(every=timedelta(days=7), next_due=datetime(2024, 1, 1, tzinfo=timezone.utc))
    items = ["a", "b"]
    case = next(iter(USE_CASES.values()))
    back = round_trip({"one": shared, "two": shared, "lists": [items, items], "case": case})
    assert back["one"] is back["two"] and back["one"] == shared
    assert back["lists"][0] is back["lists"][1]
    assert back["case"] is case  # a use case of the catalog, with its functions: referenced, not copied


@pytest.mark.parametrize("value, named", [
    (lambda: None, "a function"),
    (Exception("no"), "builtins.Exception"),
    (object(), "builtins.object"),
    (np.random.default_rng(), "numpy.random._generator.Generator"),
])
def test_what_is_not_data_is_refused_with_its_path(value: Any, named: str) -> None:
    with pytest.raises(StateError) as refused:
        round_trip({"model": [value]})
    assert "value['model'][0]" in str(refused.value) and named in str(refused.value)


def _encode_log(log: Any, cache: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    from personalize_local.state.datasets import EventLogs

    encoder = Encoder(REGISTRY, (EventLogs(),), cache=cache)
    return EventLogs().encode(log, encoder), encoder.blobs


def test_an_event_log_is_written_in_chunks_and_only_its_new_chunks_are_encoded_again() -> None:
    from personalize_local.data.events import EventLog
    from personalize_local.state.datasets import CHUNK, EventLogs, TableCache

    log, cache = EventLog(), TableCache()
    for i in range(2 * CHUNK + 10):
        log.admit({"USER_ID": f"s{i}", "ITEM_ID": "i"}, f"e{i}")
        log.note_session(f"s{i}", None)
        log.note_session(f"s{i}", f"u{i % 7}")
    log.impressions.record("u1", ["i1", "i2"])
    first, _ = _encode_log(log, cache)
    log.note_session("late", "u1")
    second, blobs = _encode_log(log, cache)
    # The full chunks are the same blobs; only the last (partial) chunk of sessions is new.
    assert second["event_ids"] == first["event_ids"] and len(second["event_ids"]) == 3
    assert second["session_users"][:2] == first["session_users"][:2] and second["session_users"][2] != first["session_users"][2]
    back = EventLogs().create(json.loads(json.dumps(second)), Decoder(REGISTRY, lambda n: blobs[n], ()))
    assert list(back._event_ids) == list(log._event_ids) and list(back._anonymous_sessions) == list(log._anonymous_sessions)
    assert back._session_users == log._session_users and back.sessions_of("u1") == log.sessions_of("u1")
    assert back.impressions._by_user == {"u1": Counter({"i1": 1, "i2": 1})}
    # A deletion writes every chunk again: what left is not written.
    log.forget_users({"u1"})
    third, blobs = _encode_log(log, cache)
    back = EventLogs().create(third, Decoder(REGISTRY, lambda n: blobs[n], ()))
    assert "u1" not in back._session_users.values() and back.sessions_of("u1") == [] and back.impressions._by_user == {}
    assert list(back._anonymous_sessions) == list(log._anonymous_sessions)
