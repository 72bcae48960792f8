"""Batch jobs' JSON Lines: the records of an input file, and the line the service writes for each.

recommendations-batch.md and batch-data-upload.md: one JSON object a line, members by recipe
(``userId``, ``itemId``, ``userId`` with ``itemList``, ``itemAttributes``), ``filterValues`` when the
job's filter has placeholders. Each output line repeats its input and holds the answer, or an
``error`` ("User error: ...") and an empty answer: a bad line fails alone, never the job.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable

# runtime model: IDs are strings of at most 256 characters.
MAX_ID_LENGTH = 256


class JsonLinesError(ValueError):
    """A whole input file cannot be read; the message names it."""


class LineError(ValueError):
    """One input line cannot be answered; the message becomes the line's error."""


@dataclass(frozen=True)
class InputLine:
    """One non-blank line of an input file: the JSON object it holds, or why it holds none."""

    echo: Any  # what its output line repeats: the JSON value read, or the text that is no JSON
    record: dict[str, Any] | None
    problem: str | None = None


def input_lines(location: str, body: bytes) -> list[InputLine]:
    """The lines of the file at ``location``; blank lines are no records."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise JsonLinesError(f"The input file {location} is not UTF-8 text (byte {error.start}).") from None
    return [_read(raw) for raw in text.splitlines() if raw.strip()]


def _read(raw: str) -> InputLine:
    try:
        value = json.loads(raw)
    except ValueError as error:
        return InputLine(raw, None, f"The line is not valid JSON: {error}.")
    if not isinstance(value, dict):
        return InputLine(value, None, "The line is not a JSON object.")
    return InputLine(value, value)


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH


# What each input member must hold, said how.
MEMBERS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "userId": (_is_id, f"a string of 1 to {MAX_ID_LENGTH} characters"),
    "itemId": (_is_id, f"a string of 1 to {MAX_ID_LENGTH} characters"),
    "itemList": (lambda v: isinstance(v, list) and all(_is_id(x) for x in v), "a list of item ID strings"),
    "itemAttributes": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty string"),
    "filterValues": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        'an object of strings, such as {"GENRES": "\\"comedy\\",\\"drama\\""}',
    ),
}


@dataclass(frozen=True)
class LineFormat:
    """How a recipe's input lines read, and where their answer goes."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    result: str  # the output member holding the answer
    # batch-segment-job-output-examples.md: Item-Attribute-Affinity lines repeat their input at the
    # top level, beside "output", where the other recipes' lines nest it under "input".
    input_at_top: bool = False

    def problem_with(self, record: dict[str, Any]) -> str | None:
        """Why the record can't be answered, or None."""
        missing = [m for m in self.required if record.get(m) is None]
        if missing:
            return f"Required fields for the provided recipe are {', '.join(self.required)}; the line lacks {', '.join(missing)}."
        for member in (*self.required, *self.optional):
            value = record.get(member)
            accepts, description = MEMBERS[member]
            if value is not None and not accepts(value):
                return f"{member} must be {description}."
        return None

    def render(self, line: InputLine, output: dict[str, Any] | None, problem: str | None) -> str:
        echo = line.echo
        fields = dict(echo) if self.input_at_top and isinstance(echo, dict) else {"input": echo}
        fields["output"] = output if problem is None else {self.result: []}
        fields["error"] = None if problem is None else f"User error: {problem}"
        return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def answer_lines(lines: Iterable[InputLine], form: LineFormat, answer: Callable[[dict[str, Any]], dict[str, Any]]) -> bytes:
    """The output file: one line per input line, each ``answer``ed or carrying its error."""
    out = []
    for line in lines:
        record = line.record
        problem = line.problem if record is None else line.problem or form.problem_with(record)
        output = None
        if problem is None and record is not None:
            try:
                output = answer(record)
            except LineError as error:
                problem = str(error)
        out.append(form.render(line, output, problem))
    return "".join(f"{text}\n" for text in out).encode()
