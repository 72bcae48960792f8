"""personalize-local: Amazon Personalize, emulated locally, for tests and offline development."""
from __future__ import annotations

from .backend.auto_training import make_auto_training_due
from .mock import install as _install
from .mock import mock_personalize
from .progress import progress_of

__all__ = ["mock_personalize", "make_auto_training_due", "progress_of"]
__version__ = "0.1.0"

# Importing the package is enough for moto's own mock_aws to serve Personalize from here.
_install()
