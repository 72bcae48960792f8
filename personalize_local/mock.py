"""In-process: answer botocore's Personalize requests before they leave the process (moto's technique).

Our ``before-send`` handler takes the place of moto's stubber in botocore's built-in
handlers and hands moto every request that is not for Personalize. botocore calls every
``before-send`` handler and keeps the first answer: with two handlers, moto's would walk its
URL patterns for each of our requests after ours had answered. The handler answers only
while a moto mock is active, so ``mock_aws`` and ``mock_personalize`` both serve Personalize
from this emulator.

moto keeps routing Personalize as its own (its URL patterns are left alone), and
:func:`lend_backends` makes moto's name for Personalize's backends ours: moto's servers
(``ThreadedMotoServer``, ``moto_server``), its stubber and ``moto.backends.get_backend``
then reach this emulator's state through its routes (urls.py).

Importing this module installs the handler. The package imports it once moto is imported,
and calls :func:`lend_backends` once ``moto.personalize`` is (``__init__``); the backend
itself loads with the first Personalize request.
"""
from __future__ import annotations

import re
from types import ModuleType
from typing import Any, Callable, Mapping

import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto import mock_aws
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

# scheme://host[:port]/path of a Personalize endpoint: the host (the region is in it) and the path.
_URL = re.compile(r"^https?://(personalize(?:-events|-runtime)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?)(?::\d+)?([^?#]*)")
# The request headers the wire reads, by their lower-case names (botocore's are case-insensitive; the wire's mapping
# here is a plain dict).
_READ = {"x-amz-target": "X-Amz-Target", "authorization": "Authorization", "x-moto-account-id": "x-moto-account-id"}
# What moto calls Personalize's backends: where get_backend("personalize") reads them, and where users import them.
_BACKENDS_NAME = "personalize_backends"


class PersonalizeStubber:
    """Answers Personalize requests from this emulator; hands the others to moto's stubber.

    It equals moto's stubber, which it stands in for: moto's ``patch_client`` then sees a client
    already patched, and does not register moto's a second time (every other request would run twice).
    """

    def __eq__(self, other: object) -> bool:
        return other is self or other is botocore_stubber

    __hash__ = object.__hash__

    def __call__(self, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        if not botocore_stubber.enabled:
            return None
        answer = self.answer(request)
        return answer if answer is not None else botocore_stubber(event_name, request, **kwargs)

    @staticmethod
    def answer(request: AWSPreparedRequest) -> AWSResponse | None:
        """The emulator's response, or None if the request is not for Personalize."""
        url = _urls.get(request.url) or _url_of(request.url)
        if url is None:
            return None
        wire = _wire[0] if _wire else _load_wire()
        status, response_headers, body = wire(request.method, url[1], _read_headers(request.headers), request.body, url[0])
        return AWSResponse(request.url, status, response_headers, MockRawResponse(body))


# URL -> (host, path) of the Personalize URLs seen (a client calls a few, again and again): a dict read, not a match.
_urls: dict[str, tuple[str, str]] = {}
MAX_URLS = 1024


def _url_of(url: str) -> tuple[str, str] | None:
    """The host and path of a Personalize URL (kept in ``_urls``), or None for another service's."""
    match = _URL.match(url)
    if match is None:
        return None
    if len(_urls) >= MAX_URLS:
        _urls.clear()
    found = _urls[url] = (match.group(1), match.group(2))
    return found


def _read_headers(headers: Any) -> dict[str, str]:
    """The headers the wire reads, as text (botocore keeps some values as bytes).

    Read from botocore's own table of a HeadersDict in one pass: its ``get`` builds a key object per name, and for a
    name not sent (moto's account header, mostly) raises KeyError inside and catches it."""
    table = getattr(headers, "_dict", None)
    if type(table) is dict:
        read = {}
        try:
            for key, value in table.items():
                name = _READ.get(key._lower)
                if name is not None:
                    read[name] = value.decode() if isinstance(value, bytes) else value
        except AttributeError:  # not the table this was written for: by name, as any mapping
            pass
        else:
            return read
    return {
        name: value.decode() if isinstance(value, bytes) else value
        for name in _READ.values()
        if (value := headers.get(name)) is not None
    }


# The wire's answer, once loaded (and the backend with it, by the first request): not an import statement per call.
_wire: list[Callable[[str, str, Mapping[str, str], Any, str], tuple[int, dict[str, str], bytes]]] = []


def _load_wire() -> Callable[[str, str, Mapping[str, str], Any, str], tuple[int, dict[str, str], bytes]]:
    from .wire.dispatch import answer

    _wire[:] = [answer]
    return answer


stubber = PersonalizeStubber()


def install() -> None:
    """Put our handler in the place of moto's in botocore's built-in handlers. Idempotent."""
    handlers = botocore.handlers.BUILTIN_HANDLERS
    handlers[:] = [(event, stubber if handler is botocore_stubber else handler, *rest) for event, handler, *rest in handlers]
    if not any(handler is stubber for _, handler, *_ in handlers):
        handlers.append(("before-send", stubber))


def lend_backends(moto_personalize: ModuleType) -> None:
    """moto's ``personalize_backends`` (``moto.personalize`` and its models) become this emulator's, and moto
    reads their routes in urls.py."""
    from . import urls
    from .backend import PersonalizeBackend, personalize_backends

    PersonalizeBackend.routes = urls
    for module in (moto_personalize, moto_personalize.models):
        setattr(module, _BACKENDS_NAME, personalize_backends)


def mock_personalize(func: Any = None, config: Any = None) -> Any:
    """Serve Personalize from this emulator and every other AWS service from moto.

    A decorator for functions and classes, or a context manager, exactly like moto's
    ``mock_aws``; state is per account and region, and gone when the mock exits. A bad
    ``PERSONALIZE_LOCAL_WAIT_SECONDS`` or ``PERSONALIZE_LOCAL_TRAIN_PROCESS_FROM`` raises ValueError here,
    rather than at the first call or training.
    """
    from .backend.lifecycle import wait_budget
    from .backend.training_processes import process_from

    wait_budget()
    process_from()
    return mock_aws(func, config) if func is not None else mock_aws(config=config)


install()
