"""personalize-local: Amazon Personalize, emulated locally, for tests and offline development."""
from __future__ import annotations

from .mock import install as _install
from .mock import mock_personalize

__all__ = ["mock_personalize"]
__version__ = "0.1.0"

# Importing the package is enough for moto's own mock_aws to serve Personalize from here.
_install()
