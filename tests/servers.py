"""The server as `personalize-local server` runs it, in a process of its own."""
from __future__ import annotations

import signal
import subprocess
import sys


def start_command(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`python -m personalize_local server ... --port 0` (what `make run` starts) and the endpoint it prints."""
    server = subprocess.Popen(
        [sys.executable, "-m", "personalize_local", "server", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()  # printed once the socket listens
    assert "serving on http://" in line, (line, server.poll())
    return server, line.rsplit(" ", 1)[-1].strip()


def stop(server: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, then the exit code and what the server wrote to stderr."""
    server.send_signal(signal.SIGTERM)
    _, err = server.communicate(timeout=60)
    return server.returncode, err
