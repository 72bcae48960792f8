"""The HTTP server started from a test, in a thread of its own: moto's ``ThreadedMotoServer``, for Personalize.

It serves what ``personalize-local server`` serves (Personalize, its runtime and events, and moto's other
services) from this process's state, which every server in the process shares with each other (as moto's
threaded servers share moto's). Nothing here touches signals, so it starts from any thread.
"""
from __future__ import annotations

import os
import threading
from types import TracebackType

from .durable import DataDir
from .server import DEFAULT_HOST, listen, serve_until_shutdown
from .serving import KeepAliveServer
from .state import StateError

# Hosts that listen on every address: a client reaches them on the loopback one.
WILDCARDS = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


class ThreadedServer:
    """``personalize-local server`` in a thread::

        with ThreadedServer() as server:                 # port 0: a free port
            boto3.client("personalize", endpoint_url=server.endpoint, ...)

    ``start()`` returns once the server listens (:class:`~personalize_local.serving.CannotListen` if it can't);
    ``stop()`` stops taking calls, lets those in flight finish and frees the port. ``data_dir`` keeps the state
    there across servers, as ``--data-dir`` does (a :class:`~personalize_local.state.StateError` if it can't be used).
    """

    def __init__(self, port: int = 0, host: str = DEFAULT_HOST, data_dir: str | os.PathLike[str] | None = None) -> None:
        self._host = host
        self._port = port
        self._data_dir_path = data_dir
        self._server: KeepAliveServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"{self!r} is already started")
        data_dir = open_data_dir(self._data_dir_path)[0] if self._data_dir_path is not None else None
        server = listen(self._host, self._port, data_dir)
        self._thread = threading.Thread(
            target=serve_until_shutdown, args=(server, data_dir), name=f"personalize-local:{server.server_port}", daemon=True
        )
        self._thread.start()
        self._server = server

    def stop(self) -> None:
        """Stop taking calls, let those in flight finish, close the data directory and free the port."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        self._server = self._thread = None

    @property
    def port(self) -> int:
        return self._started().server_port

    @property
    def endpoint(self) -> str:
        """The URL to give an SDK (``endpoint_url``): ``http://127.0.0.1:PORT``."""
        host = WILDCARDS.get(self._host, self._host)
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    def get_host_and_port(self) -> tuple[str, int]:
        """As moto's ThreadedMotoServer says it."""
        return self._host, self.port

    def _started(self) -> KeepAliveServer:
        if self._server is None:
            raise RuntimeError("the server is not running: call start() first")
        return self._server

    def __enter__(self) -> ThreadedServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.endpoint if self._server is not None else f"{self._host}:{self._port}, stopped"
        return f"ThreadedServer({where})"


def open_data_dir(directory: str | os.PathLike[str]) -> tuple[DataDir, dict[str, int]]:
    """The data directory with its state restored, and what it held; a :class:`StateError` if it can't be used
    (its store let go)."""
    data_dir = DataDir(directory)
    try:
        held = data_dir.open()
    except StateError:
        data_dir.store.close()
        raise
    return data_dir, held
