"""In-process: answer botocore's Personalize requests before they leave the process (moto's technique).

Our ``before-send`` handler goes into botocore's built-in handlers ahead of moto's
stubber, and moto stops claiming the personalize host. botocore calls every
``before-send`` handler and keeps the first answer, so ours must come first.
The handler answers only while a moto mock is active, so ``mock_aws`` and
``mock_personalize`` both serve Personalize from this emulator.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import botocore.handlers
import moto.backend_index
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto import mock_aws
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber
from werkzeug.datastructures import Headers

from .wire.dispatch import dispatch, find_route

_HOSTS = re.compile(r"^personalize(-events|-runtime)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


class PersonalizeStubber:
    def __call__(self, event_name: str, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse | None:
        if not botocore_stubber.enabled:
            return None
        url = urlsplit(request.url)
        host = url.hostname or ""
        if not _HOSTS.match(host):
            return None
        # botocore keeps some header values as bytes; the wire reads text, case-insensitively.
        request_headers = Headers({k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})
        found = find_route(request.method, url.path, request_headers)
        if found is None:
            return None
        status, headers, body = dispatch(found, request_headers, request.body, host)
        return AWSResponse(request.url, status, headers, MockRawResponse(body))


stubber = PersonalizeStubber()


def install() -> None:
    """Put our handler ahead of moto's and take the personalize host from moto. Idempotent."""
    handlers = botocore.handlers.BUILTIN_HANDLERS
    if not any(handler is stubber for _, handler, *_ in handlers):
        moto_position = next(
            (i for i, (_, handler, *_) in enumerate(handlers) if handler is botocore_stubber), len(handlers)
        )
        handlers.insert(moto_position, ("before-send", stubber))
    moto.backend_index.backend_url_patterns[:] = [
        (service, pattern) for service, pattern in moto.backend_index.backend_url_patterns if service != "personalize"
    ]


def mock_personalize(func: Any = None, config: Any = None) -> Any:
    """Serve Personalize from this emulator and every other AWS service from moto.

    A decorator for functions and classes, or a context manager, exactly like moto's
    ``mock_aws``; state is per account and region, and gone when the mock exits.
    """
    return mock_aws(func, config) if func is not None else mock_aws(config=config)
