"""The ``personalize-local`` command."""
from __future__ import annotations

import argparse

from .server import DEFAULT_HOST, DEFAULT_PORT, console_url, serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="personalize-local", description="A local emulator of Amazon Personalize.")
    commands = parser.add_subparsers(dest="command", required=True)
    server = commands.add_parser("server", help="serve the emulator (and moto's other services) over HTTP")
    server.add_argument("--host", default=DEFAULT_HOST)
    server.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    if args.command == "server":
        print(f"personalize-local serving on http://{args.host}:{args.port}", flush=True)
        print(f"console: {console_url(args.host, args.port)}", flush=True)
        serve(args.host, args.port)


if __name__ == "__main__":
    main()
