"""The emulator's state written down and read back: snapshots now, a data directory's store later."""
from .codec import StateError

__all__ = ["StateError"]
