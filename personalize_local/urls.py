"""Our routes, where moto looks for a service's (``moto/<service>/urls.py``): how moto's servers answer Personalize.

moto's server app (``ThreadedMotoServer``, ``moto_server``) and its in-process stubber find a service's
backends with ``moto.backends.get_backend`` (which gives ours: see mock.py) and the routes of the backend in
this module. All three services sign as ``personalize``, so moto's server hands all three to one app:
every path goes to :func:`respond`, which tells them apart as our own server does.
"""
from __future__ import annotations

from typing import Any

from moto.core.request import Request

from .wire.dispatch import answer
from .wire.serialize import Response


def respond(request: Request, full_url: str, headers: Any) -> Response:
    # The request's own headers: case-insensitive, where moto's ``headers`` argument is a plain dict.
    return answer(request.method, request.path, request.headers, request.get_data(), request.host)


url_bases = [r"https?://personalize(?:-events|-runtime)?\.(.+)\.amazonaws\.com"]
url_paths = {"{0}/$": respond, "{0}/.*$": respond}
