"""What the Actions and Action interactions datasets hold, as Next-Best-Action reads them.

From the current guide's action pages (actions-datasets.md, recording-action-interaction-events.md,
native-recipe-next-best-action.md):

- an action interaction is Taken, Not taken or Viewed. The guide spells these three ways
  (``Taken``/``Not Taken``/``Viewed`` for PutActionInteractions, ``Taken``/``Not taken`` in CSV
  examples, TAKEN/NOT_TAKEN/VIEWED in the recipe page), so the kind is read without regard to case,
  a space and an underscore being the same;
- an action stops being recommended at its expiration timestamp (epoch seconds);
- its repeat frequency is how many days to wait before recommending it again to a user who
  interacted with it (at most 30; no value, no wait);
- its value (1 to 10) ranks it higher among actions a user is equally likely to take.
"""
from __future__ import annotations

ACTION_ID = "ACTION_ID"
TAKEN, NOT_TAKEN, VIEWED = "TAKEN", "NOT_TAKEN", "VIEWED"
ACTION_EVENT_KINDS = (TAKEN, NOT_TAKEN, VIEWED)
# How messages name the kinds: PutActionInteractions' spelling.
ACTION_EVENT_NAMES = "Taken, Not Taken or Viewed"

# The reserved fields of an Actions schema that say when an action expires (see data/schemas.py).
EXPIRATION_FIELDS = ("ACTION_EXPIRATION_TIMESTAMP", "EXPIRATION_TIMESTAMP")
REPEAT_FREQUENCY = "REPEAT_FREQUENCY"
VALUE = "VALUE"
CREATION_TIMESTAMP = "CREATION_TIMESTAMP"


def action_event_kind(value: object) -> str | None:
    """TAKEN, NOT_TAKEN or VIEWED for an event type as users write it; None for anything else."""
    if not isinstance(value, str):
        return None
    kind = "_".join(value.upper().replace("_", " ").split())
    return kind if kind in ACTION_EVENT_KINDS else None
