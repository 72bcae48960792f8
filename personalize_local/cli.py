"""The ``personalize-local`` command."""
from __future__ import annotations

import argparse
import logging
import sys

from .server import DEFAULT_HOST, DEFAULT_PORT, console_url, serve

# Hosts that only this machine reaches; any other exposes an unauthenticated emulator to the network.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("personalize_local.access", "personalize_local.server"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="personalize-local", description="A local emulator of Amazon Personalize.")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("server", help="serve the emulator (and moto's other services) over HTTP")
    server.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}; another prints a warning)")
    server.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    args = parser.parse_args(argv)
    if args.command == "server":
        _log_to_stderr()
        if args.host not in LOOPBACK:
            print(
                f"warning: serving on {args.host}, not loopback: anybody who reaches this host can use the emulator, "
                "which checks no credentials.",
                file=sys.stderr,
                flush=True,
            )

        def ready(port: int) -> None:
            print(f"personalize-local serving on http://{args.host}:{port}", flush=True)
            print(f"console: {console_url(args.host, port)}", flush=True)

        serve(args.host, args.port, ready=ready)


if __name__ == "__main__":
    main()
