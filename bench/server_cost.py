"""What one GetRecommendations costs the server process, measured inside it, load or not.

The server (as `personalize-local server` serves it, log lines queued to a thread of their own as the command
does) runs in this process with an `aws-user-personalization` campaign on MovieLens 100K (ratings > 3), loaded
over HTTP with boto3 as bench/server.py loads it (or restored from --snapshot, saved there the first time). One
client process (or --clients at once, each on its own connection) replays a GetRecommendations signed once by
boto3 on a kept-open connection (http.client, users in turn), --calls times in all after a warm-up; printed: the
server process's CPU time per call (in the interpreter and libraries, and in the system's calls: reading and
writing the sockets, the log, waking threads).

- --health: GET /personalize-local/health instead, the server's cheapest answer (no campaign loaded).
- --http-only: the dispatcher's answer is fixed (the first call's), so what is left is the HTTP path alone:
  reading the request, routing, the access log line, writing the answer.
- --profile: cProfile of the connection's thread (CPU time, not wall time), slowest functions first.
- --callgrind: counts instructions of the measured calls only, which other work on the machine does not move:

      valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/server.cg \\
          .venv/bin/python bench/server_cost.py --callgrind --calls 300

  then divide the "I refs" valgrind prints by the calls (the server's threads, all of them).

    .venv/bin/python bench/server_cost.py [path/to/ml-100k] [--calls 3000] [--clients 1] [--http-only | --health] [--profile] [--snapshot FILE]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_training import DEFAULT_DATA  # noqa: E402
from bench.server import CREDENTIALS, HEALTH, NUM_RESULTS, REGION, interactions_csv, load_campaign  # noqa: E402
from personalize_local import server as served, snapshot  # noqa: E402
from personalize_local.cli import log_lines_to  # noqa: E402
from personalize_local.serving import KeepAliveHandler  # noqa: E402
from personalize_local.threaded import ThreadedServer  # noqa: E402

WARMUP_CALLS = 50
CLIENT = r'''
import http.client, json, sys
request, calls, port = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)
for i in range(calls):
    if request is None:  # the health check
        connection.request("GET", "HEALTH")
    else:
        body = json.dumps({"campaignArn": request["campaign"], "userId": request["users"][i % len(request["users"])], "numResults": NUM_RESULTS})
        connection.request("POST", "/recommendations", body=body.encode(), headers=request["headers"])
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"GetRecommendations answered {response.status}")
'''.replace("NUM_RESULTS", str(NUM_RESULTS)).replace("HEALTH", HEALTH)


def signed_request(endpoint: str, folder: Path, saved: Path | None) -> dict[str, Any]:
    """The campaign (restored from ``saved`` if it exists, else loaded and saved there), its users, and the headers
    boto3 signs a GetRecommendations with."""
    if saved is not None and saved.exists():
        campaign, users = json.loads(saved.with_suffix(".json").read_text())
        snapshot.loads(saved.read_bytes())
    else:
        body, all_users, _ = interactions_csv(folder)
        users = [str(user) for user in all_users]
        campaign = load_campaign(endpoint, body)
        if saved is not None:
            saved.write_bytes(snapshot.dumps())
            saved.with_suffix(".json").write_text(json.dumps([campaign, users]))
    runtime = boto3.client("personalize-runtime", endpoint_url=endpoint, region_name=REGION)
    sent: list[Any] = []
    runtime.meta.events.register("before-send", lambda request, **_: sent.append(request))
    runtime.get_recommendations(campaignArn=campaign, userId=users[0], numResults=NUM_RESULTS)
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in sent[0].headers.items() if k.lower() != "content-length"}
    return {"campaign": campaign, "users": users, "headers": headers}


def fix_the_answer() -> None:
    """The dispatcher answers every call with its first answer: the rest is the HTTP path."""
    dispatch, first = served.dispatch, []

    def fixed(*args: Any) -> Any:
        if not first:
            first.append(dispatch(*args))
        return first[0]

    served.dispatch = fixed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_DATA, help="MovieLens 100K (else generated data)")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=1, help="client processes at once, the calls shared out (default 1)")
    parser.add_argument("--http-only", action="store_true", help="the dispatcher's answer fixed: the HTTP path alone")
    parser.add_argument("--health", action="store_true", help=f"GET {HEALTH} instead (no campaign): the server's cheapest answer")
    parser.add_argument("--profile", action="store_true", help="cProfile of the connection's thread (CPU time)")
    parser.add_argument("--callgrind", action="store_true", help="instructions counted for the measured calls only")
    parser.add_argument("--snapshot", type=Path, help="the campaign's state: restored from there, or saved there")
    parser.add_argument("--profile-out", type=Path, help="with --profile: the stats written there too (pstats)")
    args = parser.parse_args()
    os.environ.update(CREDENTIALS)
    # The access log as the command writes it, into a file (removed when the bench ends).
    log = tempfile.NamedTemporaryFile("w", prefix="access-", suffix=".log")
    writer = log_lines_to(log)  # type: ignore[arg-type]  # the temporary file's wrapper writes as its TextIO does

    server = ThreadedServer()
    server.start()
    try:
        request = None if args.health else signed_request(server.endpoint, args.folder, args.snapshot)
        if args.http_only:
            fix_the_answer()
        profiler = cProfile.Profile(time.thread_time_ns, 1e-9) if args.profile else None
        handle = KeepAliveHandler.handle_one_request

        def profiled(handler: KeepAliveHandler) -> None:
            assert profiler is not None
            profiler.enable()
            try:
                handle(handler)
            finally:
                profiler.disable()

        if profiler is not None:
            KeepAliveHandler.handle_one_request = profiled  # type: ignore[method-assign]

        def replay(calls: int) -> None:
            """``calls`` in all, from --clients processes at once, each on its own connection."""
            clients = [
                subprocess.Popen([sys.executable, "-c", CLIENT, json.dumps(request), str(calls // args.clients), str(server.port)])
                for _ in range(args.clients)
            ]
            if any(client.wait() != 0 for client in clients):
                raise SystemExit("a client failed")

        replay(WARMUP_CALLS)
        if profiler is not None:
            profiler.clear()
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        before = os.times()
        replay(args.calls)
        after = os.times()
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
    finally:
        server.stop()
        writer.stop()
        log.close()
    what = f"GET {HEALTH}" if args.health else "the HTTP path alone (the dispatcher's answer fixed)" if args.http_only else "GetRecommendations"
    calls = args.calls // args.clients * args.clients
    user, system = ((end - start) * 1000 / calls for start, end in zip(before[:2], after[:2]))
    print(f"{what}: {calls} calls from {args.clients} client(s); server process CPU {user + system:.3f} ms a call (user {user:.3f}, system {system:.3f}); "
          f"load average {os.getloadavg()[0]:.1f}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)


if __name__ == "__main__":
    main()
