"""recommendationId: it says which campaign answered, so that events carrying it are attributed to that campaign.

An ID is shaped as the service's (``RID-`` and a UUID) and starts with a digest of the answering
resource's ARN: the campaign is found again from the ID alone, without keeping every ID given out.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Iterable

PREFIX = "RID-"
_DIGEST_LENGTH = 8  # the UUID's first group


@lru_cache(maxsize=1024)  # every answer of a campaign starts with the same digest
def _digest(source_arn: str) -> str:
    return hashlib.sha256(source_arn.encode()).hexdigest()[:_DIGEST_LENGTH]


def new_recommendation_id(source_arn: str) -> str:
    """A fresh recommendationId for an answer of the campaign (or recommender) ``source_arn``."""
    # A version 4 UUID's last four groups (its first is the digest), as uuid.uuid4() writes them, without its checks.
    random = bytearray(os.urandom(12))
    random[2] = random[2] & 0x0F | 0x40  # the version
    random[4] = random[4] & 0x3F | 0x80  # the variant
    text = random.hex()
    return f"{PREFIX}{_digest(source_arn)}-{text[:4]}-{text[4:8]}-{text[8:12]}-{text[12:]}"


def source_of(recommendation_id: str, candidates: Iterable[str]) -> str | None:
    """The ARN among ``candidates`` that gave out ``recommendation_id``; None if none did."""
    digest = recommendation_id[len(PREFIX) : len(PREFIX) + _DIGEST_LENGTH] if recommendation_id.startswith(PREFIX) else None
    return next((arn for arn in candidates if _digest(arn) == digest), None) if digest else None
