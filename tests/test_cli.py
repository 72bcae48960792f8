"""The `personalize-local` command as a user runs it: its version, its help, and one line when it can't serve."""
from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
from typing import Iterator

import pytest

import personalize_local
from personalize_local import ThreadedServer
from personalize_local.cli import log_lines_to


def command(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide terminal: argparse wraps help at its width, breaking hyphenated words.
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "personalize_local", *args], capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_version() -> None:
    run = command("--version")
    assert (run.returncode, run.stdout, run.stderr) == (0, f"personalize-local {personalize_local.__version__}\n", "")
    assert personalize_local.__version__ == "0.1.0"


def test_a_port_in_use_is_one_line_and_exit_code_1(taken_port: int) -> None:
    run = command("server", "--port", str(taken_port))
    assert (run.returncode, run.stdout, run.stderr) == (1, "", f"personalize-local: port {taken_port} is in use\n")


@pytest.mark.parametrize("host", ["999.1.1.1", "no-such-host.invalid"])
def test_a_host_that_cant_be_listened_on_is_one_line_naming_it(host: str) -> None:
    run = command("server", "--port", "0", "--host", host)
    assert run.returncode == 1 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"personalize-local: host {host} "), run.stderr


def test_the_server_commands_help_says_what_it_serves_where_it_keeps_state_and_where_the_console_is() -> None:
    run = command("server", "--help")
    assert run.returncode == 0
    description = run.stdout.split("options:")[0]
    for said in ("Amazon Personalize", "personalize-runtime", "personalize-events", "moto's other AWS services",
                 "--endpoint-url", "in memory", "--data-dir", "http://HOST:PORT/_console/"):
        assert said in description, description


def test_the_aws_cli_reaches_the_server_by_the_environment_the_readme_shows() -> None:
    """No --endpoint-url, no config file: only the README's variables."""
    with ThreadedServer() as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1",
                   AWS_ENDPOINT_URL=server.endpoint, AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_PAGER="")
        run = subprocess.run([sys.executable, "-m", "awscli", "personalize", "list-recipes", "--output", "json"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "arn:aws:personalize:::recipe/aws-user-personalization" in run.stdout


def test_the_servers_log_lines_are_written_in_order_every_one_of_them_by_the_time_the_writer_stops() -> None:
    names = ("personalize_local.access", "personalize_local.server", "personalize_local.durable")
    loggers = [logging.getLogger(name) for name in names]
    kept = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    written = io.StringIO()
    writer = log_lines_to(written)
    try:
        loggers[1].info("first")
        for burst in range(3):  # lines queued faster than a write each
            for line in range(200):
                loggers[0].info(f'{{"burst": {burst}, "line": {line}}}')
        loggers[2].info("%s", "with an argument")
        try:
            raise RuntimeError("a bug")
        except RuntimeError:
            loggers[1].exception("failed")
        loggers[1].info("last")
    finally:
        writer.stop()
        for logger, (handlers, level, propagate) in zip(loggers, kept):
            logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate
    lines = written.getvalue().splitlines()
    bursts = [f'{{"burst": {burst}, "line": {line}}}' for burst in range(3) for line in range(200)]
    assert lines[:602] == ["first", *bursts, "with an argument"]
    assert lines[602] == "failed" and lines[603] == "Traceback (most recent call last):" and "RuntimeError: a bug" in lines
    assert lines[-1] == "last"
