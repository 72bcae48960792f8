"""Take the README's pictures of the console: MovieLens 100K through boto3 into a server, then headless Chromium.

    python docs/screenshot.py /path/to/ml-100k          # writes docs/console.png and docs/console-solution.png

The server runs in this process on a free port; the data is loaded, trained and deployed through
the API exactly as a user would, and the pictures show the console's pages over it.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import boto3
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from personalize_local.console import CONSOLE_PATH
from personalize_local.server import PersonalizeServer

HERE = Path(__file__).parent
ROLE = "arn:aws:iam::123456789012:role/PersonalizeRole"
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
GENRES = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]


def schema(name: str, fields: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "com.amazonaws.personalize.schema", "fields": fields, "version": "1.0"})


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def settled(describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    while "PENDING" in (found := describe())["status"] or "IN_PROGRESS" in found["status"]:
        time.sleep(0.2)
    return found


def import_file(p: Any, dataset: str, key: str, mode: str) -> None:
    job = p.create_dataset_import_job(jobName=key.replace("/", "-").replace(".", "-"), datasetArn=dataset, roleArn=ROLE,
                                      dataSource={"dataLocation": f"s3://movielens/{key}"}, importMode=mode)["datasetImportJobArn"]
    found = settled(lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])
    assert found["status"] == "ACTIVE", found.get("failureReason")


def train(p: Any, solution: str) -> str:
    version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    found = settled(lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
    assert found["status"] == "ACTIVE", found.get("failureReason")
    return version


def load(endpoint: str, movielens: Path) -> dict[str, str]:
    """The world the pictures show; the ARNs they open."""
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    p, s3 = boto3.client("personalize", **kw), boto3.client("s3", **kw)
    s3.create_bucket(Bucket="movielens")
    ratings = sorted((line.split("\t") for line in (movielens / "u.data").read_text().splitlines()), key=lambda r: int(r[3]))
    # The older 80% first, the rest later: two versions, each trained on what there was.
    cut = len(ratings) * 4 // 5
    for key, part in (("ratings.csv", ratings[:cut]), ("later/ratings.csv", ratings[cut:])):
        s3.put_object(Bucket="movielens", Key=key, Body=csv_bytes(
            ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"], [[u, i, "watch", t] for u, i, _, t in part]))
    movies = [line.split("|") for line in (movielens / "u.item").read_text(encoding="latin-1").splitlines()]
    s3.put_object(Bucket="movielens", Key="movies.csv", Body=csv_bytes(
        ["ITEM_ID", "TITLE", "GENRES"],
        [[m[0], m[1], "|".join(g for g, flag in zip(GENRES, m[5:]) if flag == "1")] for m in movies]))

    group = p.create_dataset_group(name="movielens")["datasetGroupArn"]
    settled(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"])
    datasets = {
        "Interactions": ([{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                          {"name": "EVENT_TYPE", "type": "string"}, {"name": "TIMESTAMP", "type": "long"}], "ratings.csv"),
        "Items": ([{"name": "ITEM_ID", "type": "string"}, {"name": "TITLE", "type": "string", "categorical": True},
                   {"name": "GENRES", "type": "string", "categorical": True}], "movies.csv"),
    }
    arns = {}
    for kind, (fields, key) in datasets.items():
        schema_arn = p.create_schema(name=f"movielens-{kind.lower()}", schema=schema(kind, fields))["schemaArn"]
        arns[kind] = p.create_dataset(name=f"movielens-{kind.lower()}", schemaArn=schema_arn, datasetGroupArn=group, datasetType=kind)["datasetArn"]
        settled(lambda: p.describe_dataset(datasetArn=arns[kind])["dataset"])
        import_file(p, arns[kind], key, "FULL")
    p.create_filter(name="by-genre", datasetGroupArn=group, filterExpression="INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)")
    p.create_event_tracker(name="movielens-clicks", datasetGroupArn=group)
    solution = p.create_solution(name="for-you", datasetGroupArn=group, recipeArn="arn:aws:personalize:::recipe/aws-user-personalization",
                                 performAutoTraining=False)["solutionArn"]
    versions = [train(p, solution)]
    import_file(p, arns["Interactions"], "later/ratings.csv", "INCREMENTAL")
    versions.append(train(p, solution))
    campaign = p.create_campaign(name="for-you", solutionVersionArn=versions[-1])["campaignArn"]
    settled(lambda: p.describe_campaign(campaignArn=campaign)["campaign"])
    return {"solution": solution, "campaign": campaign}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("movielens", type=Path, help="the ml-100k folder (u.data, u.item)")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    server = make_server("127.0.0.1", 0, PersonalizeServer(), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    arns = load(endpoint, args.movielens)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(300_000)
        page.goto(f"{endpoint}{CONSOLE_PATH}#/campaign/{quote(arns['campaign'], safe='')}")
        form = page.locator("#try form")
        form.get_by_label("user ID").fill("196")
        form.get_by_label("filter").select_option(label="by-genre")
        form.get_by_label("$GENRE").fill('"Comedy"')
        form.get_by_role("button", name="Get recommendations").click()
        page.locator("#recommendations tbody tr").first.wait_for()
        page.screenshot(path=HERE / "console.png", full_page=True)
        page.goto(f"{endpoint}{CONSOLE_PATH}#/solution/{quote(arns['solution'], safe='')}")
        page.locator("#metrics svg").wait_for()
        page.screenshot(path=HERE / "console-solution.png", full_page=True)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
