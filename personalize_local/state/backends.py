"""One region-account backend's state, encoded generically: every attribute but the machinery of running it."""
from __future__ import annotations

import json
from typing import Any, Callable

from ..backend.core import BackendCore, Resource
from .arrays import EXTENSIONS
from .codec import Decoder, Encoder, StateError
from .lifecycles import Lifecycles

# Attributes of a backend that are how it runs, not what it holds: its identity, its locks, its
# workers (work can't outlive its process) and its outbox (sent before encoding).
RUNTIME = frozenset({"region_name", "account_id", "partition", "lock", "condition", "jobs", "outbox"})


def encode_backend(backend: BackendCore, land: bool = True) -> tuple[str, list[bytes]]:
    """The backend's state as JSON and the blobs it refers to by position.

    ``land``: first read every status as a describe would (and wait for work as a call does); a data
    directory's checkpoints don't, as they must neither wait nor count as describes."""
    with backend.lock:
        if land:
            land_finished_work(backend)
        backend._send_outbox()  # writes to S3 a finished job still owes land before S3 is saved
        encoder = Encoder(EXTENSIONS + (Lifecycles(),))
        tree = {name: encoder.encode(value, name) for name, value in vars(backend).items() if name not in RUNTIME}
        return json.dumps(tree, separators=(",", ":")), encoder.blobs


def land_finished_work(backend: BackendCore) -> None:
    """Read every status, as describes would: work that is done (or done within a call's wait, under moto's
    default progression) lands with its status, rather than being saved as interrupted."""
    for table in list(backend.resources.values()):
        for resource in list(table.values()):
            pending = [resource] + [member for member in vars(resource).values() if isinstance(member, Resource)]
            for member in pending:  # the resource, and its pending updates (latestCampaignUpdate ...)
                if member.lifecycle is not None:
                    member.lifecycle.touch()


def restore_backend(backend: BackendCore, state: str, blob: Callable[[int], bytes]) -> None:
    """Replace the (fresh) backend's state with the saved one; every resource settled, no work running."""
    decoder = Decoder(blob, EXTENSIONS + (Lifecycles(backend.condition),))
    tree: dict[str, Any] = json.loads(state)
    with backend.lock:
        values = {name: decoder.decode(value) for name, value in tree.items() if name not in RUNTIME}
        missing = [name for name in ("resources", "tags") if name not in values]
        if missing:
            raise StateError(f"The saved state of {backend.account_id}/{backend.region_name} lacks {', '.join(missing)}.")
        for name, value in values.items():
            setattr(backend, name, value)
