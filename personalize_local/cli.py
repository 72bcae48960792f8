"""The ``personalize-local`` command."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from logging.handlers import QueueHandler, QueueListener
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import TextIO

from . import __version__, demo
from .backend.lifecycle import DEFAULT_WAIT_SECONDS, WAIT_ENV, parse_wait_seconds, wait_budget
from .backend.training_processes import process_from
from .console import CONSOLE_PATH
from .durable import DataDir
from .serving import CannotListen
from .state import StateError
from .server import DEFAULT_HOST, DEFAULT_PORT, RESTORE, SNAPSHOT, SNAPSHOT_TYPE, console_url, serve
from .threaded import open_data_dir

DEFAULT_ENDPOINT = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
# Hosts that only this machine reaches; any other exposes an unauthenticated emulator to the network.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SERVER_DESCRIPTION = (
    "Serve Amazon Personalize (personalize, personalize-runtime and personalize-events) and moto's other AWS "
    "services (S3, IAM, CloudWatch ...) over HTTP on one port, for any SDK or the AWS CLI: give them "
    "--endpoint-url http://HOST:PORT (or AWS_ENDPOINT_URL). The state is in memory, gone when the server stops, "
    "unless --data-dir keeps it. The console is at http://HOST:PORT" + CONSOLE_PATH + ". Ctrl-C or SIGTERM "
    "stops it once the calls in flight have finished."
)


class _LineQueue(QueueHandler):
    """Queues a record whose message is a plain line (no arguments, no exception) as it is: the stdlib's QueueHandler
    formats and copies every record first, which for such a line changes nothing but costs each call its time."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        if record.args or record.exc_info or record.stack_info:
            return super().prepare(record)
        return record

    def handle(self, record: logging.LogRecord) -> bool:
        if self.filters:
            return bool(super().handle(record))
        self.emit(record)  # the queue takes it from any thread: no lock
        return True


class _Lines(logging.StreamHandler):
    """Each record as ``%(message)s`` formats it, on a line; the lines written together, in one write, when the writer
    has none left queued (:meth:`flush`)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.setFormatter(logging.Formatter("%(message)s"))
        self._lines: list[str] = []

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info or record.exc_text or record.stack_info:
            return super().format(record)
        return record.getMessage()  # what %(message)s makes of it

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._lines.append(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        self.acquire()
        try:
            if self._lines:
                text, self._lines = "".join(self._lines), []
                self.stream.write(text)
            self.stream.flush()
        finally:
            self.release()


class _LineWriter(QueueListener):
    """Writes the queued lines from its thread: all that are queued, then a pause (:data:`LOG_PAUSE_SECONDS`) while
    more gather, then those; with none queued, it waits for the next. A writer woken for each line costs the server
    more than the line does (the wake-up, and the interpreter handed over and back)."""

    def dequeue(self, block: bool) -> logging.LogRecord:
        queued: SimpleQueue[logging.LogRecord] = self.queue  # type: ignore[assignment]  # log_lines_to's
        try:
            return queued.get_nowait()
        except Empty:
            for handler in self.handlers:
                handler.flush()
            time.sleep(LOG_PAUSE_SECONDS)
            return queued.get(block)

    def stop(self) -> None:
        """Once every line queued is written."""
        super().stop()
        for handler in self.handlers:
            handler.flush()


# How long the log writer lets lines gather once it has written those queued: the most a line waits under load.
LOG_PAUSE_SECONDS = 0.05


def _log_to_stderr() -> QueueListener:
    """Log lines go to stderr from a thread of their own (:func:`log_lines_to`)."""
    return log_lines_to(sys.stderr)


def log_lines_to(stream: TextIO) -> QueueListener:
    """The server's log lines (access, server, data directory) go to ``stream`` from a thread of their own, started
    here: a call's thread only queues its line, never waits on the write (which gives other threads the
    interpreter, and takes a while to get it back), nor wakes the writer for it (:class:`_LineWriter`)."""
    lines: SimpleQueue[logging.LogRecord] = SimpleQueue()
    for name in ("personalize_local.access", "personalize_local.server", "personalize_local.durable"):
        logger = logging.getLogger(name)
        logger.addHandler(_LineQueue(lines))
        logger.setLevel(logging.INFO)
        logger.propagate = False
    listener = _LineWriter(lines, _Lines(stream))
    listener.start()
    return listener


def _post(endpoint: str, path: str, body: bytes, content_type: str) -> bytes:
    """POST to the running server's control ``path``; exits with the server's message if it refuses."""
    request = urllib.request.Request(endpoint.rstrip("/") + path, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        try:
            detail = json.loads(detail)["message"]
        except (ValueError, KeyError, TypeError):
            pass
        sys.exit(f"personalize-local: {detail}")
    except urllib.error.URLError as error:
        sys.exit(f"personalize-local: no server at {endpoint} ({error.reason})")


def _snapshot(args: argparse.Namespace) -> None:
    data = _post(args.endpoint, SNAPSHOT, b"", "application/json")
    Path(args.file).write_bytes(data)
    print(f"saved the state of {args.endpoint} to {args.file} ({len(data)} bytes)")


def _restore(args: argparse.Namespace) -> None:
    try:
        data = Path(args.file).read_bytes()
    except OSError as error:
        sys.exit(f"personalize-local: cannot read {args.file}: {error.strerror}")
    held = json.loads(_post(args.endpoint, RESTORE, data, SNAPSHOT_TYPE))["restored"]
    print(f"restored {args.file} into {args.endpoint}: " + ", ".join(f"{n} {what}" for what, n in held.items()))


def _read_settings(wait_seconds: str | None) -> None:
    """--wait-seconds: this process's budget, as PERSONALIZE_LOCAL_WAIT_SECONDS; exits saying why if it, the variable
    or PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM is bad, before anything is served."""
    try:
        if wait_seconds is not None:
            os.environ[WAIT_ENV] = str(parse_wait_seconds(wait_seconds, "--wait-seconds"))
        wait_budget()
        process_from()
    except ValueError as error:
        sys.exit(f"personalize-local: {error}")


def _server(args: argparse.Namespace) -> None:
    _read_settings(args.wait_seconds)
    writer = _log_to_stderr()
    data_dir = _open_data_dir(args.data_dir) if args.data_dir else None

    def ready(port: int) -> None:
        if args.host not in LOOPBACK:
            print(
                f"warning: serving on {args.host}, not loopback: anybody who reaches this host can use the emulator, "
                "which checks no credentials.",
                file=sys.stderr,
                flush=True,
            )
        print(f"personalize-local serving on http://{args.host}:{port}", flush=True)
        print(f"console: {console_url(args.host, port)}", flush=True)

    try:
        serve(args.host, args.port, ready=ready, data_dir=data_dir)
    except CannotListen as error:  # a port in use, a host that is not this machine's: one line, no traceback
        sys.exit(f"personalize-local: {error}")
    finally:
        writer.stop()  # writes what is queued


def _open_data_dir(directory: str) -> DataDir:
    """The data directory, its state restored; exits saying why if it can't be used."""
    try:
        data_dir, held = open_data_dir(directory)
    except StateError as error:
        sys.exit(f"personalize-local: {error}")
    print(f"data directory {directory}: " + ", ".join(f"{n} {what}" for what, n in held.items()), file=sys.stderr, flush=True)
    return data_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="personalize-local", description="A local emulator of Amazon Personalize.")
    parser.add_argument("--version", action="version", version=f"personalize-local {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser(
        "server", help="serve the emulator (and moto's other services) over HTTP", description=SERVER_DESCRIPTION
    )
    server.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}; another prints a warning)")
    server.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    server.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the state in DIR across restarts and kills (created if missing; one server at a time)",
    )
    server.add_argument(
        "--wait-seconds",
        metavar="N",
        help=f"how long one call may wait for the work behind a status it observes before answering it as in progress "
        f"(default {WAIT_ENV} or {DEFAULT_WAIT_SECONDS:g}; 0: never wait)",
    )
    server.set_defaults(run=_server)
    demo.add_command(commands)
    for name, run, help_, description in (
        ("snapshot", _snapshot, "save a running server's whole state to a file",
         "Save the whole state of a running server (Personalize in every account and region: resources, "
         "data, trained models; and S3's buckets and objects) to FILE, one SQLite file."),
        ("restore", _restore, "load a snapshot file into a running server",
         "Load FILE, a snapshot, into a running server: it replaces all of Personalize's state and puts the "
         "snapshot's S3 buckets and objects back. A file it can't read changes nothing."),
    ):
        command = commands.add_parser(name, help=help_, description=description)
        command.add_argument("file", metavar="FILE", help="the snapshot file")
        command.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help=f"the server's URL (default {DEFAULT_ENDPOINT})")
        command.set_defaults(run=run)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
