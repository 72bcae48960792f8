"""Imports of CSV files as a user's pandas pipeline writes them (DataFrame.to_csv), with and without its index.

The service's own samples import such files and their imports end ACTIVE: columns in another order
than the schema's, whole numbers written as floats, Items whose metadata is empty or unreadable, and
the blank-named index column to_csv writes by default.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from .conftest import INTERACTIONS_FIELDS, Clients, avro
from .data_jobs import export, exported
from .datagen import START, TASTES
from .helpers import active_version, loaded_group, make_filter, small_rows
from .workflow import ITEM_ATTRIBUTE_AFFINITY, USER_PERSONALIZATION, create_group, deploy, import_csv, train, wait

COMEDY, HORROR = (taste.items for taste in TASTES)
WITH_AND_WITHOUT_INDEX = pytest.mark.parametrize("index", [False, True], ids=["index-false", "with-index"])


def written(frame: pd.DataFrame, index: bool = True, **options: Any) -> bytes:
    """The file ``frame.to_csv`` writes (pandas writes its index unless told not to)."""
    return frame.to_csv(index=index, **options).encode()


def add_dataset(c: Clients, group_arn: str, kind: str, fields: list[dict[str, Any]]) -> str:
    p = c.personalize
    schema_arn = p.create_schema(name=f"pandas-{kind.lower()}", schema=avro(kind, fields))["schemaArn"]
    dataset_arn = p.create_dataset(
        name=f"pandas-{kind.lower()}", schemaArn=schema_arn, datasetGroupArn=group_arn, datasetType=kind
    )["datasetArn"]
    wait(lambda: p.describe_dataset(datasetArn=dataset_arn)["dataset"])
    return dataset_arn


def read_back(c: Clients, dataset_arn: str, name: str) -> list[dict[str, str]]:
    """The dataset's rows as an export job writes them (an int as an int, null as empty)."""
    assert export(c, dataset_arn, name, "BULK")["status"] == "ACTIVE"
    return exported(c, name)[1]


# --------------------------------------------------------------- columns by name

# The contextual sample's six columns; its schema lists them in another order than its file.
CONTEXT_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "ITEM_ID", "type": "string"},
    {"name": "EVENT_TYPE", "type": "string"},
    {"name": "TIMESTAMP", "type": "long"},
    {"name": "LOCATION", "type": ["null", "string"], "categorical": True},
    {"name": "DEVICE", "type": ["null", "string"], "categorical": True},
]


@WITH_AND_WITHOUT_INDEX
def test_columns_map_to_schema_fields_by_name(aws: Clients, index: bool) -> None:
    group = create_group(aws, "context", schema=avro("Interactions", CONTEXT_FIELDS))
    rows = [
        {**row, "DEVICE": ("phone", "tv")[k % 2], "LOCATION": ("home", "work", "")[k % 3]} for k, row in enumerate(small_rows())
    ]
    frame = pd.DataFrame(rows)[["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "DEVICE", "LOCATION"]]
    job = import_csv(aws, group.dataset_arn, written(frame, index), key="context.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert "failureReason" not in job

    names = [f["name"] for f in CONTEXT_FIELDS]
    assert read_back(aws, group.dataset_arn, "context") == [{name: str(row[name]) for name in names} for row in rows]


# ------------------------------------------------------ whole numbers as floats

NUMBERED_FIELDS = [
    *INTERACTIONS_FIELDS,
    {"name": "RATING", "type": ["null", "int"]},
    {"name": "VIEWS", "type": ["null", "long"]},
]


@WITH_AND_WITHOUT_INDEX
def test_whole_numbers_written_as_floats_are_truncated_toward_zero(aws: Clients, index: bool) -> None:
    group = create_group(aws, "floats", schema=avro("Interactions", NUMBERED_FIELDS))
    rows = small_rows()
    ratings = [4.0, np.nan, -2.7, 3.999]  # an int column holding a NaN is written as floats: 4.0, , -2.7, 3.999
    frame = pd.DataFrame(rows).assign(
        TIMESTAMP=[row["TIMESTAMP"] + 0.6464746 for row in rows],  # as time.time() gives them
        RATING=[ratings[k % 4] for k in range(len(rows))],
        VIEWS=1e16,  # written 1e+16
    )
    body = written(frame, index)
    assert b",1e+16" in body and b",-2.7," in body
    job = import_csv(aws, group.dataset_arn, body, key="floats.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")

    found = read_back(aws, group.dataset_arn, "floats")
    assert [row["TIMESTAMP"] for row in found] == [str(row["TIMESTAMP"]) for row in rows]
    assert [row["RATING"] for row in found[:4]] == ["4", "", "-2", "3"]
    assert {row["VIEWS"] for row in found} == {"10000000000000000"}


@pytest.mark.parametrize(
    "column, value, problem",
    [
        ("RATING", "twelve", "'twelve' is not a number, as the field's int type requires."),
        ("RATING", "inf", "'inf' is not a number, as the field's int type requires."),
        ("RATING", "1e999", "'1e999' is out of range for the field's int type."),
        ("RATING", "2147483648.5", "'2147483648.5' is out of range for the field's int type."),
        ("VIEWS", "9.3e18", "'9.3e18' is out of range for the field's long type."),
        ("TIMESTAMP", "1600000000123.0", "'1600000000123.0' is too large for Unix epoch seconds"),
    ],
    ids=["word", "infinity", "infinite-exponent", "beyond-int", "beyond-long", "milliseconds"],
)
def test_a_whole_number_field_still_refuses_what_is_not_one(aws: Clients, column: str, value: str, problem: str) -> None:
    group = create_group(aws, "refused", schema=avro("Interactions", NUMBERED_FIELDS))
    frame = pd.DataFrame(small_rows()).assign(RATING=3.0, VIEWS=10.0).astype({column: object})
    frame.loc[5, column] = value
    job = import_csv(aws, group.dataset_arn, written(frame), key="refused.csv")
    assert job["status"] == "CREATE FAILED"
    assert f"s3://personalize-data/refused.csv, row 7 (the header is row 1), column {column}: {problem}" in job["failureReason"]


# ------------------------------------------------- metadata empty or unreadable

YEARLESS = {"comedy-5", "horror-0", "horror-1", "horror-2"}
UNREADABLE = "comedy-3"  # "2006–2007", as the workshop extracts it from a title
ITEM_FIELDS = [
    {"name": "ITEM_ID", "type": "string"},
    {"name": "YEAR", "type": "int"},
    {"name": "GENRES", "type": "string", "categorical": True},
    {"name": "CREATION_TIMESTAMP", "type": "long"},
]


def catalog() -> pd.DataFrame:
    """Every item with a year (a float, where pandas has a NaN), its genre, and a creation time from time.time()."""
    items = COMEDY + HORROR
    frame = pd.DataFrame({
        "ITEM_ID": items,
        "YEAR": [np.nan if item in YEARLESS else 1990.0 + int(item.split("-")[1]) for item in items],
        "GENRES": ["" if item == "horror-7" else item.split("-")[0] for item in items],
        "CREATION_TIMESTAMP": [START + k + 0.5 for k in range(len(items))],
    })
    return frame.astype({"YEAR": object}).assign(YEAR=lambda f: f["YEAR"].where(f["ITEM_ID"] != UNREADABLE, "2006–2007"))


def test_items_keep_rows_whose_metadata_is_empty_or_unreadable(aws: Clients) -> None:
    group = loaded_group(aws)
    items_arn = add_dataset(aws, group.dataset_group_arn, "Items", ITEM_FIELDS)
    frame = catalog()
    job = import_csv(aws, items_arn, written(frame), key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert "failureReason" not in job

    missing = YEARLESS | {UNREADABLE}
    found = {row["ITEM_ID"]: row for row in read_back(aws, items_arn, "items")}
    assert set(found) == set(COMEDY + HORROR)
    assert {item for item, row in found.items() if row["YEAR"] == ""} == missing
    assert found["comedy-7"]["YEAR"] == "1997" and found["horror-7"]["GENRES"] == ""
    assert found["comedy-1"]["CREATION_TIMESTAMP"] == str(START + 1)

    # Training takes the items' metadata; a filter and the answers' metadata see the missing years as missing.
    version = active_version(aws, group.dataset_group_arn, name="personal", recipe=USER_PERSONALIZATION)
    campaign = deploy(aws, version, name="described", campaignConfig={"enableMetadataWithRecommendations": True})
    dated = make_filter(aws, group.dataset_group_arn, "INCLUDE ItemID WHERE Items.YEAR >= 1900", name="dated")
    everything = aws.runtime.get_recommendations(
        campaignArn=campaign, userId="user-1", numResults=100, metadataColumns={"ITEMS": ["YEAR"]}
    )["itemList"]
    recommended = {i["itemId"] for i in everything}
    assert recommended & missing
    assert {i["itemId"] for i in everything if i["metadata"]["YEAR"] == ""} == recommended & missing
    filtered = aws.runtime.get_recommendations(campaignArn=campaign, userId="user-1", numResults=100, filterArn=dated)["itemList"]
    assert filtered and not {i["itemId"] for i in filtered} & missing


USER_FIELDS = [
    {"name": "USER_ID", "type": "string"},
    {"name": "AGE", "type": "int"},
    {"name": "MEMBERSHIP", "type": "string", "categorical": True},
    {"name": "VERIFIED", "type": "boolean"},
]


def test_users_keep_rows_whose_metadata_is_empty_or_unreadable(aws: Clients) -> None:
    group = loaded_group(aws)
    users_arn = add_dataset(aws, group.dataset_group_arn, "Users", USER_FIELDS)
    frame = pd.DataFrame({
        "USER_ID": ["user-0", "user-1", "user-2", "user-3"],
        "AGE": [30.0, np.nan, "thirty", 1e12],
        "MEMBERSHIP": ["gold", "", "basic", "gold"],
        "VERIFIED": [True, None, "maybe", False],
    })
    job = import_csv(aws, users_arn, written(frame), key="users.csv", job="users")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert "failureReason" not in job
    assert read_back(aws, users_arn, "users") == [
        {"USER_ID": "user-0", "AGE": "30", "MEMBERSHIP": "gold", "VERIFIED": "true"},
        {"USER_ID": "user-1", "AGE": "", "MEMBERSHIP": "", "VERIFIED": ""},
        {"USER_ID": "user-2", "AGE": "", "MEMBERSHIP": "basic", "VERIFIED": ""},
        {"USER_ID": "user-3", "AGE": "", "MEMBERSHIP": "gold", "VERIFIED": "false"},
    ]


@pytest.mark.parametrize(
    "kind, fields, rows, column",
    [
        ("Items", ITEM_FIELDS[:3], {"ITEM_ID": ["a", "", "c"], "YEAR": [1.0, 2.0, 3.0], "GENRES": ["x", "y", "z"]}, "ITEM_ID"),
        ("Users", USER_FIELDS[:2], {"USER_ID": ["a", "", "c"], "AGE": [1, 2, 3]}, "USER_ID"),
    ],
    ids=["items", "users"],
)
def test_an_empty_id_still_fails_the_import(
    aws: Clients, kind: str, fields: list[dict[str, Any]], rows: dict[str, list[Any]], column: str
) -> None:
    group = loaded_group(aws)
    dataset_arn = add_dataset(aws, group.dataset_group_arn, kind, fields)
    job = import_csv(aws, dataset_arn, written(pd.DataFrame(rows)), key="ids.csv", job="ids")
    assert job["status"] == "CREATE FAILED"
    assert f"ids.csv, row 3 (the header is row 1), column {column}: a value is required" in job["failureReason"]


# ------------------------------------------------------ columns not in the schema

@WITH_AND_WITHOUT_INDEX
def test_columns_the_schema_does_not_name_are_ignored(aws: Clients, index: bool) -> None:
    group = create_group(aws, "extra")
    rows = small_rows()
    frame = pd.DataFrame(rows).assign(RATING=4.5, user_id="not the USER_ID column")
    job = import_csv(aws, group.dataset_arn, written(frame, index), key="extra.csv")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert "failureReason" not in job
    assert read_back(aws, group.dataset_arn, "extra") == [{k: str(v) for k, v in row.items()} for row in rows]


def test_a_missing_field_is_named_even_beside_a_near_miss(aws: Clients) -> None:
    group = create_group(aws, "near")
    frame = pd.DataFrame(small_rows()).rename(columns={"ITEM_ID": "item_id"})
    job = import_csv(aws, group.dataset_arn, written(frame), key="near.csv")
    assert job["status"] == "CREATE FAILED"
    reason = job["failureReason"]
    assert "near.csv, row 1 (the header is row 1), column ITEM_ID: the header lacks this field" in reason
    assert "'item_id'" in reason


# ------------------------------------------------------------- pandas' defaults


@pytest.mark.parametrize("line_end", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_what_to_csv_writes_by_default_imports_as_written(aws: Clients, line_end: str) -> None:
    group = loaded_group(aws)
    fields = [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TITLE", "type": ["null", "string"], "textual": True},
        {"name": "PRICE", "type": ["null", "double"]},
        {"name": "ON_SALE", "type": ["null", "boolean"]},
        {"name": "GENRES", "type": ["null", "string"], "categorical": True},
    ]
    items_arn = add_dataset(aws, group.dataset_group_arn, "Items", fields)
    frame = pd.DataFrame({
        "ITEM_ID": ["a", "b", "c", "d"],
        "TITLE": ['Say "hi", then leave', "Two lines,\nof text", None, "plain"],
        "PRICE": [1.5e-05, 2.5e20, np.nan, 3.0],
        "ON_SALE": [True, False, None, True],
        "GENRES": ["Comedy|Drama", None, "Horror", "Comedy"],
    })
    body = written(frame, lineterminator=line_end)
    assert b'"Say ""hi"", then leave"' in body and b"1.5e-05" in body and b",True," in body and body.endswith(line_end.encode())
    job = import_csv(aws, items_arn, body, key="items.csv", job="items")
    assert job["status"] == "ACTIVE", job.get("failureReason")

    found = read_back(aws, items_arn, "items")
    assert [row["TITLE"] for row in found] == ['Say "hi", then leave', "Two lines,\nof text", "", "plain"]
    assert [float(row["PRICE"]) if row["PRICE"] else None for row in found] == [1.5e-05, 2.5e20, None, 3.0]
    assert [row["ON_SALE"] for row in found] == ["true", "false", "", "true"]
    assert [row["GENRES"] for row in found] == ["Comedy|Drama", "", "Horror", "Comedy"]


# --------------------------------------------------------------- failed imports


@pytest.mark.parametrize(
    "short_row, bad_timestamp, row, column",
    # lines[k] is row k + 1; a row cut to two values is reported at its first missing column, EVENT_TYPE.
    [(5, 3, 4, "TIMESTAMP"), (3, 5, 4, "EVENT_TYPE")],
    ids=["bad-value-first", "short-row-first"],
)
def test_a_failed_import_names_its_first_bad_row(aws: Clients, short_row: int, bad_timestamp: int, row: int, column: str) -> None:
    group = create_group(aws)
    lines = written(pd.DataFrame(small_rows()), index=False).decode().splitlines()
    lines[bad_timestamp] = lines[bad_timestamp].rsplit(",", 1)[0] + ",soon"
    lines[short_row] = ",".join(lines[short_row].split(",")[:2])
    job = import_csv(aws, group.dataset_arn, "\n".join(lines).encode(), key="bad.csv")
    assert job["status"] == "CREATE FAILED"
    assert f"bad.csv, row {row} (the header is row 1), column {column}:" in job["failureReason"]


def test_a_failed_interactions_import_leaves_training_the_message_about_missing_data(aws: Clients) -> None:
    group = create_group(aws)
    frame = pd.DataFrame(small_rows()).assign(TIMESTAMP="yesterday")
    assert import_csv(aws, group.dataset_arn, written(frame), key="bad.csv")["status"] == "CREATE FAILED"
    version = train(aws, group.dataset_group_arn)
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"] == "Create failed. Dataset has fewer than 1000 interactions (0 found)."


def test_a_failed_items_import_leaves_training_the_message_about_missing_items(aws: Clients) -> None:
    group = loaded_group(aws)
    items_arn = add_dataset(aws, group.dataset_group_arn, "Items", ITEM_FIELDS)
    job = import_csv(aws, items_arn, written(catalog().assign(ITEM_ID="")), key="items.csv", job="items")
    assert job["status"] == "CREATE FAILED"
    version = train(aws, group.dataset_group_arn, name="segments", recipe=ITEM_ATTRIBUTE_AFFINITY)
    assert version["status"] == "CREATE FAILED"
    assert version["failureReason"].startswith("Create failed. The Items dataset holds 0 records")
