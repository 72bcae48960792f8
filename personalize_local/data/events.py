"""What the service remembers about recorded events (recording-events.md, the Event type).

- Two events with the same time and the same properties are kept once.
- An event that reuses an earlier event's ``eventId`` is not kept.
- Events of an anonymous session (no ``userId``) are recorded under the session ID; once an
  event carries both that session ID and a user ID, the session's events are that user's: at once
  for the user's answers, and at the next training.
- The items shown with events (impressions), and what recommendations answered (impressions.py).
- A deleted user leaves nothing behind: neither their events' fingerprints nor their sessions.
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any, Callable, Collection, Iterable

from .impressions import Impressions


# A record's fields, sorted, and its values in their order: two records are the same event if their fingerprints are
# equal. Tuples of plain values, which the garbage collector stops tracking (a set of pairs it would track for good,
# and look at again in every full collection, where the log keeps one fingerprint for each event).
Fingerprint = tuple[tuple[str, ...], tuple[Any, ...]]
# A record's fields, as they come -> (sorted, how to read its values in that order): the records of a dataset come
# with the same few fields.
_orders: dict[tuple[str, ...], tuple[tuple[str, ...], Callable[[dict[str, Any]], Any]]] = {}


def _fingerprint(record: dict[str, Any]) -> Fingerprint:
    fields = tuple(record)
    order = _orders.get(fields)
    if order is None:
        if len(_orders) >= 256:
            _orders.clear()
        ordered = tuple(sorted(fields))
        read = itemgetter(*ordered) if len(ordered) > 1 else (lambda r: (r[ordered[0]],) if ordered else ())
        order = _orders[fields] = (ordered, read)
    return order[0], order[1](record)


class EventLog:
    def __init__(self) -> None:
        self._seen: set[Fingerprint] = set()
        # Sets kept in the order their members came (dicts' keys), so that a saved state writes only what is new.
        self._event_ids: dict[str, None] = {}
        self._anonymous_sessions: dict[str, None] = {}
        self._session_users: dict[str, str] = {}
        self._user_sessions: dict[str, list[str]] = {}
        self.impressions = Impressions()
        # Changes whenever members leave the event IDs or sessions (a deletion): until then they only grow.
        self.forgotten = 0

    def remember(self, records: Iterable[dict[str, Any]]) -> None:
        """Fingerprint ``records``, the rows admitted so far, as :meth:`admit` did (a state read back)."""
        self._seen = {_fingerprint(record) for record in records}

    def admit(self, record: dict[str, Any], event_id: str | None) -> bool:
        """Whether ``record`` is new; remembers it if so."""
        fingerprint = _fingerprint(record)
        if fingerprint in self._seen or (event_id is not None and event_id in self._event_ids):
            return False
        self._seen.add(fingerprint)
        if event_id is not None:
            self._event_ids[event_id] = None
        return True

    def note_session(self, session_id: str, user_id: str | None) -> None:
        if user_id is None:
            if session_id not in self._anonymous_sessions:
                self._anonymous_sessions[session_id] = None
        elif session_id not in self._session_users:
            self._session_users[session_id] = user_id
            self._user_sessions.setdefault(user_id, []).append(session_id)

    def sessions_of(self, user_id: str) -> list[str]:
        """The anonymous sessions whose events are now ``user_id``'s, in the order they were joined."""
        return [s for s in self._user_sessions.get(user_id, ()) if s in self._anonymous_sessions]

    def session_users(self) -> dict[str, str]:
        """Anonymous sessions whose user is now known: session ID -> user ID."""
        return {s: u for s, u in self._session_users.items() if s in self._anonymous_sessions}

    def forget_users(self, users: Collection[str]) -> set[str]:
        """Forget ``users`` (a data deletion job); the IDs their events are recorded under: theirs and their anonymous sessions'."""
        gone = set(users)
        sessions = {s for s, u in self._session_users.items() if u in gone}
        anonymous = sessions & self._anonymous_sessions.keys()
        for session in sessions:
            del self._session_users[session]
        for user in gone:
            self._user_sessions.pop(user, None)
        for session in anonymous:
            del self._anonymous_sessions[session]
        recorded_as = gone | anonymous
        self.forgotten += 1
        self.impressions.forget_users(recorded_as)
        self._seen = {f for f in self._seen if dict(zip(*f)).get("USER_ID") not in recorded_as}
        return recorded_as
