"""The ``demo`` command: the getting-started workflow on a generated catalog, in-process, as a user writes it.

A seeded streaming catalog (titles in genres) and viewers who each like one or two genres are
written as CSV files to moto's S3; then boto3, under ``mock_personalize``, walks the service's
getting-started path: schemas, a dataset group, Interactions and Items datasets, import jobs, an
``aws-user-personalization`` solution and version, its metrics, a campaign, a filter and an event
tracker. Imports and training draw progress bars from what the work reports (:mod:`..progress`),
read without waiting on a describe. It ends with two viewers' recommendations, and how one
viewer's change after a few clicks recorded with PutEvents.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, TextIO

import boto3

from .backend import progress_of
from .mock import mock_personalize

REGION = "us-east-1"
BUCKET = "personalize-demo"
RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization"
DEFAULT_USERS = 300
DEFAULT_SEED = 7
# Each viewer's plays; with fewer than 50 viewers an import would bring fewer than the service's 1000 interactions.
PLAYS_PER_USER = 20
MIN_USERS = 50
# Of a viewer's plays, the share among the genres they like; the rest are anywhere in the catalog.
LOYALTY = 0.9
CLICKS = 5
SHOWN = 8
START = 1_700_000_000
BAR_WIDTH = 30
POLL_SECONDS = 0.05
# Each genre's titles are its words combined: five by five, 25 titles a genre.
GENRE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Comedy": (("Lucky", "Silly", "Merry", "Clumsy", "Cheeky"), ("Wedding", "Neighbours", "Holiday", "Uncle", "Roommates")),
    "Horror": (("Silent", "Crimson", "Hollow", "Cursed", "Midnight"), ("Manor", "Cellar", "Ritual", "Woods", "Doll")),
    "Sci-Fi": (("Quantum", "Orbital", "Last", "Distant", "Iron"), ("Colony", "Signal", "Frontier", "Android", "Nebula")),
    "Romance": (("Summer", "Secret", "Paris", "Second", "Golden"), ("Letters", "Promise", "Kiss", "Waltz", "Affair")),
    "Western": (("Dusty", "Lone", "Outlaw", "Red", "High"), ("Canyon", "Sheriff", "Rider", "Saloon", "Trail")),
    "Documentary": (("Hidden", "Wild", "Deep", "Frozen", "Ancient"), ("Oceans", "Cities", "Planet", "Forests", "Empires")),
}
INTERACTIONS_SCHEMA = {
    "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema", "version": "1.0",
    "fields": [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
    ],
}
ITEMS_SCHEMA = {
    "type": "record", "name": "Items", "namespace": "com.amazonaws.personalize.schema", "version": "1.0",
    "fields": [
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TITLE", "type": "string", "textual": True},
        {"name": "GENRES", "type": "string", "categorical": True},
        {"name": "CREATION_TIMESTAMP", "type": "long"},
    ],
}
GENRE_FILTER = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"


@dataclass(frozen=True)
class Title:
    item_id: str
    title: str
    genres: tuple[str, ...]
    created: int


@dataclass(frozen=True)
class Catalog:
    titles: tuple[Title, ...]
    tastes: dict[str, tuple[str, ...]]  # viewer -> the genres they like
    plays: tuple[tuple[str, str, int], ...]  # (viewer, item, timestamp)

    def by_genre(self, genre: str) -> list[Title]:
        return [title for title in self.titles if genre in title.genres]


def generate(users: int, seed: int) -> Catalog:
    """A catalog and its viewers' plays, the same for the same ``users`` and ``seed``.

    Every title has a main genre and, one time in four, a second; a viewer likes one or two
    genres and plays their titles most, the lower-numbered (older, better-known) ones more often."""
    rng = random.Random(seed)
    genres = list(GENRE_WORDS)
    titles = []
    for g, (genre, (adjectives, nouns)) in enumerate(GENRE_WORDS.items()):
        for i, (adjective, noun) in enumerate((a, n) for a in adjectives for n in nouns):
            second = rng.choice([other for other in genres if other != genre]) if rng.random() < 0.25 else None
            titles.append(Title(f"{genre[:3].lower()}-{i}", f"{adjective} {noun}", (genre, second) if second else (genre,),
                                START - 86_400 * (365 - 10 * i - g)))
    catalog = tuple(titles)
    tastes: dict[str, tuple[str, ...]] = {}
    plays = []
    for u in range(users):
        user = f"viewer-{u}"
        tastes[user] = tuple(rng.sample(genres, rng.choice((1, 2))))
        liked = [t for t in catalog if t.genres[0] in tastes[user]]
        for k in range(PLAYS_PER_USER):
            pool = liked if rng.random() < LOYALTY else catalog
            title = pool[min(int(rng.expovariate(1 / 10)), len(pool) - 1)]
            plays.append((user, title.item_id, START + u * 600 + k * 20))
    return Catalog(catalog, tastes, tuple(plays))


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


class Bar:
    """A text progress bar: redrawn in place on a terminal, written once, complete, elsewhere."""

    def __init__(self, out: TextIO, label: str) -> None:
        self.out, self.label = out, label
        self.live = out.isatty()

    def draw(self, fraction: float, note: str = "") -> None:
        filled = int(round(BAR_WIDTH * fraction))
        line = f"   {self.label:<24} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}  {note}"
        if self.live:
            self.out.write("\r\x1b[2K" + line)
            self.out.flush()
        elif note:  # the finished bar
            self.out.write(line + "\n")

    def follow(self, arn: str, describe: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Redraw from the work's own progress until it is done, then describe it once: its final state."""
        started = time.monotonic()
        while (fraction := progress_of(arn) or 0.0) < 1.0:
            self.draw(fraction)
            time.sleep(POLL_SECONDS)
        resource = describe()
        note = f"{resource['status']}  {time.monotonic() - started:.1f} s"
        if resource.get("failureReason"):
            note += f"  {resource['failureReason']}"
        self.draw(1.0, note)
        if self.live:
            self.out.write("\n")
        return resource


class Demo:
    """The workflow, one step a method, printing as it goes."""

    def __init__(self, catalog: Catalog, seed: int, out: TextIO) -> None:
        self.catalog, self.seed, self.out = catalog, seed, out
        self.titles = {title.item_id: title for title in catalog.titles}
        session = boto3.Session(region_name=REGION)
        self.s3 = session.client("s3")
        self.personalize = session.client("personalize")
        self.runtime = session.client("personalize-runtime")
        self.events = session.client("personalize-events")

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def run(self) -> None:
        c = self.catalog
        self.say(f"personalize-local demo: {len(c.titles)} titles in {len(GENRE_WORDS)} genres, {len(c.tastes)} viewers, "
                 f"{len(c.plays):,} plays (seed {self.seed}); Amazon Personalize through boto3, in-process.\n")
        group = self.datasets()
        version = self.train(group)
        campaign, filter_arn, tracking_id = self.deploy(group, version)
        self.recommend(campaign, filter_arn, tracking_id)

    def datasets(self) -> str:
        p = self.personalize
        self.say("1. Data: CSV files in S3, a dataset group, its datasets and their import jobs")
        self.s3.create_bucket(Bucket=BUCKET)
        files = {
            "Interactions": ("interactions.csv", INTERACTIONS_SCHEMA, _csv(
                ["USER_ID", "ITEM_ID", "EVENT_TYPE", "TIMESTAMP"], [(u, i, "watch", t) for u, i, t in self.catalog.plays])),
            "Items": ("items.csv", ITEMS_SCHEMA, _csv(
                ["ITEM_ID", "TITLE", "GENRES", "CREATION_TIMESTAMP"],
                [(t.item_id, t.title, "|".join(t.genres), t.created) for t in self.catalog.titles])),
        }
        group = p.create_dataset_group(name="demo")["datasetGroupArn"]
        self.say(f"   dataset group {group}")
        for kind, (key, schema, body) in files.items():
            self.s3.put_object(Bucket=BUCKET, Key=key, Body=body)
            schema_arn = p.create_schema(name=f"demo-{kind.lower()}", schema=json.dumps(schema))["schemaArn"]
            dataset = p.create_dataset(name=f"demo-{kind.lower()}", schemaArn=schema_arn, datasetGroupArn=group, datasetType=kind)
            job = p.create_dataset_import_job(
                jobName=f"import-{kind.lower()}", datasetArn=dataset["datasetArn"],
                dataSource={"dataLocation": f"s3://{BUCKET}/{key}"},
            )["datasetImportJobArn"]
            Bar(self.out, f"import {key}").follow(
                job, lambda: p.describe_dataset_import_job(datasetImportJobArn=job)["datasetImportJob"])
        return group

    def train(self, group: str) -> str:
        p = self.personalize
        self.say("\n2. Training: a solution with aws-user-personalization, and a version of it")
        solution = p.create_solution(name="demo", datasetGroupArn=group, recipeArn=RECIPE, performAutoTraining=False)["solutionArn"]
        version = p.create_solution_version(solutionArn=solution)["solutionVersionArn"]
        Bar(self.out, "train (and evaluate)").follow(
            version, lambda: p.describe_solution_version(solutionVersionArn=version)["solutionVersion"])
        metrics = p.get_solution_metrics(solutionVersionArn=version)["metrics"]
        self.say("\n   GetSolutionMetrics (the service's evaluation: 10% of viewers held out)")
        width = max(map(len, metrics))
        for name, value in sorted(metrics.items()):
            self.say(f"   {name:<{width}}  {value:.4f}")
        return version

    def deploy(self, group: str, version: str) -> tuple[str, str, str]:
        p = self.personalize
        self.say("\n3. Serving: a campaign, a filter and an event tracker")
        campaign = p.create_campaign(
            name="demo", solutionVersionArn=version, minProvisionedTPS=1,
            campaignConfig={"enableMetadataWithRecommendations": True},
        )["campaignArn"]
        filter_arn = p.create_filter(name="by-genre", datasetGroupArn=group, filterExpression=GENRE_FILTER)["filterArn"]
        tracker = p.create_event_tracker(name="demo", datasetGroupArn=group)
        for arn, describe in (
            (campaign, lambda: p.describe_campaign(campaignArn=campaign)["campaign"]),
            (filter_arn, lambda: p.describe_filter(filterArn=filter_arn)["filter"]),
            (tracker["eventTrackerArn"], lambda: p.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"])["eventTracker"]),
        ):
            self.say(f"   {describe()['status']:<7} {arn}")
        self.say(f"   filter expression: {GENRE_FILTER}")
        return campaign, filter_arn, tracker["trackingId"]

    def recommend(self, campaign: str, filter_arn: str, tracking_id: str) -> None:
        first, second = self._two_viewers()
        self.say("\n4. Recommendations (GetRecommendations, titles and genres from the Items dataset)")
        for viewer in (first, second):
            self._show(viewer, self._ask(campaign, viewer))
        genre = self.catalog.tastes[second][0]
        self.say(f'\n   {second}, with the filter and $GENRE = "{genre}":')
        self._list(self._ask(campaign, second, filterArn=filter_arn, filterValues={"GENRE": json.dumps(genre)}))

        before = self._ask(campaign, first)
        new_genre = next(g for g in GENRE_WORDS if g not in self.catalog.tastes[first])
        clicked = [t.item_id for t in self.catalog.by_genre(new_genre) if t.item_id not in before][:CLICKS]
        self.say(f"\n5. Events: {first} clicks {len(clicked)} {new_genre} titles (PutEvents)")
        self.events.put_events(
            trackingId=tracking_id, userId=first, sessionId=f"{first}-session",
            eventList=[{"eventType": "click", "itemId": item, "sentAt": time.time() + k} for k, item in enumerate(clicked)],
        )
        for item in clicked:
            self.say(f"   clicked  {self.titles[item].title} ({', '.join(self.titles[item].genres)})")
        after = self._ask(campaign, first)
        self._show(first, after, "now")
        count = lambda answer: sum(new_genre in entry["genres"] for entry in answer)  # noqa: E731
        self.say(f"   {new_genre} in the top {len(after)}: {count(before)} before the clicks, {count(after)} after; "
                 f"{len(set(e['itemId'] for e in after) - set(e['itemId'] for e in before))} new titles")

    def _two_viewers(self) -> tuple[str, str]:
        """The first viewer who likes one genre, and the first who likes none of theirs."""
        tastes = self.catalog.tastes
        first = next(v for v, liked in tastes.items() if len(liked) == 1)
        second = next(v for v, liked in tastes.items() if not set(liked) & set(tastes[first]))
        return first, second

    def _ask(self, campaign: str, viewer: str, **options: Any) -> list[dict[str, Any]]:
        answer = self.runtime.get_recommendations(
            campaignArn=campaign, userId=viewer, numResults=SHOWN, metadataColumns={"ITEMS": ["TITLE", "GENRES"]}, **options
        )["itemList"]
        return [{"itemId": e["itemId"], "title": e["metadata"]["TITLE"], "genres": e["metadata"]["GENRES"].split("|"),
                 "score": e.get("score")} for e in answer]

    def _show(self, viewer: str, answer: list[dict[str, Any]], when: str = "") -> None:
        liked = " and ".join(self.catalog.tastes[viewer])
        self.say(f"\n   {viewer} (likes {liked}){' ' + when if when else ''}:")
        self._list(answer)

    def _list(self, answer: list[dict[str, Any]]) -> None:
        for rank, entry in enumerate(answer, start=1):
            self.say(f"   {rank:>2}. {entry['title']:<22}  {', '.join(entry['genres']):<22}  {entry['itemId']}")


def add_command(commands: Any) -> None:
    """``personalize-local demo``, on the CLI's subcommands."""
    demo = commands.add_parser(
        "demo", help="run the whole workflow in-process on a generated catalog, with progress bars",
        description="Generate a streaming catalog and its viewers' plays, then run Amazon Personalize's getting-started "
                    "workflow on them in-process through boto3 (imports and training with progress bars, metrics, a "
                    "campaign, a filter, an event tracker) and print recommendations, before and after a few clicks.",
    )
    demo.add_argument("--users", type=_users, default=DEFAULT_USERS, help=f"viewers to generate (default {DEFAULT_USERS}, at least {MIN_USERS})")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the generated data (default {DEFAULT_SEED})")
    demo.set_defaults(run=run)


def _users(text: str) -> int:
    try:
        users = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if users < MIN_USERS:
        raise argparse.ArgumentTypeError(f"at least {MIN_USERS} (an import needs 1000 interactions; each viewer has {PLAYS_PER_USER})")
    return users


def run(args: argparse.Namespace, out: TextIO | None = None) -> None:
    with mock_personalize():
        Demo(generate(args.users, args.seed), args.seed, out or sys.stdout).run()
