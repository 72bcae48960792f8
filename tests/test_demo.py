"""`personalize-local demo`: the whole workflow in-process, its progress bars, metrics and recommendations as printed."""
from __future__ import annotations

import io
import re

import pytest

from personalize_local import cli, demo

from .conftest import Clients
from .helpers import METRICS

USERS, SEED = 60, 3
BAR = re.compile(r"^   (import interactions\.csv|import items\.csv|train \(and evaluate\)) +\[(#*)(\.*)\] +(\d+)%  (\S+)", re.M)
METRIC = re.compile(r"^   ([a-z_0-9]+) +(\d\.\d{4})$", re.M)
VIEWER = re.compile(r"^   (viewer-\d+) \(likes ([^)]+)\)( now)?:\n((?:   +\d+\. .*\n)+)", re.M)
ENTRY = re.compile(r"^   +\d+\. (.+?) {2,}(.+?) {2,}(\S+)$", re.M)


def printed_lists(out: str) -> list[tuple[str, set[str], bool, list[tuple[str, set[str], str]]]]:
    """Each printed answer: the viewer, the genres they like, whether it is after the clicks, and its
    entries (title, genres, item ID)."""
    return [
        (viewer, set(liked.split(" and ")), bool(now),
         [(title, set(genres.split(", ")), item) for title, genres, item in ENTRY.findall(body)])
        for viewer, liked, now, body in VIEWER.findall(out)
    ]


def test_the_command_runs_the_workflow_with_bars_metrics_and_recommendations(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["demo", "--users", str(USERS), "--seed", str(SEED)])
    out = capsys.readouterr().out

    bars = BAR.findall(out)
    assert [label for label, *_ in bars] == ["import interactions.csv", "import items.csv", "train (and evaluate)"]
    for _, filled, empty, percent, status in bars:  # not a terminal: each bar is written once, complete
        assert (len(filled), empty, percent, status) == (demo.BAR_WIDTH, "", "100", "ACTIVE")

    metrics = dict(METRIC.findall(out))
    assert set(metrics) == METRICS
    assert all(0.0 <= float(value) <= 1.0 for value in metrics.values())
    # Viewers keep to their genres nine plays in ten: a model that learnt anything ranks well.
    assert float(metrics["normalized_discounted_cumulative_gain_at_25"]) > 0.2

    answers = printed_lists(out)
    assert len(answers) == 3
    for viewer, liked, _, entries in answers[:2]:
        assert len(entries) == demo.SHOWN
        assert sum(bool(genres & liked) for _, genres, _ in entries) >= demo.SHOWN * 3 // 4, (viewer, liked, entries)
    # After clicks on a genre the viewer never liked, that genre comes up more.
    first, _, _, before = answers[0]
    viewer, liked, now, after = answers[2]
    assert (viewer, now) == (first, True)
    clicked_genre = re.search(rf"{first} clicks \d+ (\S+) titles", out).group(1)
    assert clicked_genre not in liked
    count = lambda entries: sum(clicked_genre in genres for _, genres, _ in entries)  # noqa: E731
    assert count(after) > count(before)
    assert f"{clicked_genre} in the top {demo.SHOWN}: {count(before)} before the clicks, {count(after)} after" in out


def test_what_it_prints_is_what_the_service_answers(aws: Clients) -> None:
    out = io.StringIO()
    demo.Demo(demo.generate(USERS, SEED), SEED, out).run()
    text = out.getvalue()

    [version] = aws.personalize.list_solution_versions()["solutionVersions"]
    metrics = aws.personalize.get_solution_metrics(solutionVersionArn=version["solutionVersionArn"])["metrics"]
    assert dict(METRIC.findall(text)) == {name: f"{value:.4f}" for name, value in metrics.items()}

    [campaign] = aws.personalize.list_campaigns()["campaigns"]
    viewer, _, now, entries = printed_lists(text)[-1]
    assert now
    answer = aws.runtime.get_recommendations(campaignArn=campaign["campaignArn"], userId=viewer, numResults=demo.SHOWN)
    assert [item for _, _, item in entries] == [entry["itemId"] for entry in answer["itemList"]]
    # The filtered list holds only the asked genre.
    genre = re.search(r'with the filter and \$GENRE = "([^"]+)"', text).group(1)
    filtered = text.split("with the filter and $GENRE", 1)[1].split("\n5.", 1)[0]
    assert all(genre in genres.split(", ") for _, genres, _ in ENTRY.findall(filtered))
    assert len(ENTRY.findall(filtered)) == demo.SHOWN


def test_the_same_seed_generates_the_same_data_and_another_seed_other_data() -> None:
    assert demo.generate(USERS, SEED) == demo.generate(USERS, SEED)
    assert demo.generate(USERS, SEED).plays != demo.generate(USERS, SEED + 1).plays


def test_help_and_refused_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["demo", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "personalize-local demo" in out and "--users" in out and "--seed" in out
    with pytest.raises(SystemExit) as exited:
        cli.main(["demo", "--users", "10"])
    assert exited.value.code == 2
    assert f"at least {demo.MIN_USERS}" in capsys.readouterr().err
