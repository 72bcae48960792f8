"""botocore's service models of the three Personalize services: the contract the wire speaks and the faults check against."""
from __future__ import annotations

from functools import lru_cache

import botocore.session
from botocore.model import ServiceModel

SERVICES = ("personalize", "personalize-events", "personalize-runtime")


@lru_cache(maxsize=None)
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)
