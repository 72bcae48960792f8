"""What the service remembers about recorded events (recording-events.md, the Event type).

- Two events with the same time and the same properties are kept once.
- An event that reuses an earlier event's ``eventId`` is not kept.
- Events of an anonymous session (no ``userId``) are recorded under the session ID; once an
  event carries both that session ID and a user ID, training counts the session's events
  as that user's.
- A deleted user leaves nothing behind: neither their events' fingerprints nor their sessions.
"""
from __future__ import annotations

from typing import Any, Collection


class EventLog:
    def __init__(self) -> None:
        self._seen: set[tuple[tuple[str, Any], ...]] = set()
        self._event_ids: set[str] = set()
        self._anonymous_sessions: set[str] = set()
        self._session_users: dict[str, str] = {}

    def admit(self, record: dict[str, Any], event_id: str | None) -> bool:
        """Whether ``record`` is new; remembers it if so."""
        fingerprint = tuple(sorted(record.items()))
        if fingerprint in self._seen or (event_id is not None and event_id in self._event_ids):
            return False
        self._seen.add(fingerprint)
        if event_id is not None:
            self._event_ids.add(event_id)
        return True

    def note_session(self, session_id: str, user_id: str | None) -> None:
        if user_id is None:
            self._anonymous_sessions.add(session_id)
        else:
            self._session_users.setdefault(session_id, user_id)

    def session_users(self) -> dict[str, str]:
        """Anonymous sessions whose user is now known: session ID -> user ID."""
        return {s: u for s, u in self._session_users.items() if s in self._anonymous_sessions}

    def forget_users(self, users: Collection[str]) -> set[str]:
        """Forget ``users`` (a data deletion job); the IDs their events are recorded under: theirs and their anonymous sessions'."""
        gone = set(users)
        sessions = {s for s, u in self._session_users.items() if u in gone}
        anonymous = sessions & self._anonymous_sessions
        for session in sessions:
            del self._session_users[session]
        self._anonymous_sessions -= anonymous
        recorded_as = gone | anonymous
        self._seen = {f for f in self._seen if dict(f).get("USER_ID") not in recorded_as}
        return recorded_as
