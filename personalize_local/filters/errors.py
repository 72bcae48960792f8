"""What a filter or its values get wrong: the backend answers it as InvalidInputException."""
from __future__ import annotations


class FilterError(ValueError):
    """An expression the service refuses, or values it can't apply; the message says where and why."""
