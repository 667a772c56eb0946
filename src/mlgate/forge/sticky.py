"""mlgate's one note on a change, on any forge: the hidden marker, the size limit and the
one-note rule.

The note is found by its marker among the token's own notes (`Forge.own_notes`), created the
first time and edited in place afterwards. A create whose reply was lost may have landed: the
notes are read again before it is tried again, so a lost reply never makes two notes.
"""

from __future__ import annotations

import re
import time

from mlgate.core.errors import InputError
from mlgate.core.outbound import guard_quick_actions
from mlgate.forge.base import AmbiguousWrite, Forge, ForgeError, Note, NoteAction, NoteOutcome

_MARKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def marker(marker_id: str = "default") -> str:
    """The hidden HTML comment that marks mlgate's note for this report id."""
    if not _MARKER_ID.fullmatch(marker_id):
        raise InputError(
            f"report id {marker_id!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return f"<!-- mlgate:report id={marker_id} -->"


def note_body(body: str, marker_id: str = "default") -> str:
    """The marker on its own first line, then the report."""
    return f"{marker(marker_id)}\n{body}"


def note_text(forge: Forge, body: str, marker_id: str = "default") -> str:
    """The exact text posted on `forge`: on a forge that obeys commands at the start of a
    note's line, no line starts one."""
    full = note_body(body, marker_id)
    return guard_quick_actions(full) if forge.line_start_commands else full


def fits(forge: Forge, body: str, marker_id: str = "default") -> bool:
    """Whether `body`, as posted, is within the forge's size limit for a note."""
    return forge.note_length(note_text(forge, body, marker_id)) <= forge.max_note_chars


def post(forge: Forge, body: str, marker_id: str = "default") -> NoteOutcome:
    """Create, update or leave alone mlgate's note for `marker_id` on the change at hand.

    Raises InputError for a body over the forge's limit or a bad id, before any request;
    returns action "skipped" without any request when the run is about no change; raises
    NoteForbidden when the token may not write and ForgeError when the forge fails past the
    retries.
    """
    full = note_text(forge, body, marker_id)
    length = forge.note_length(full)
    if length > forge.max_note_chars:
        raise InputError(
            f"the {forge.note_word} is {length} characters; {forge.name} accepts at most "
            f"{forge.max_note_chars}"
        )
    if forge.change() is None:
        return NoteOutcome("skipped", None, None, forge.no_change_reason())
    return _upsert(forge, full, marker(marker_id))


def _upsert(forge: Forge, full: str, mark: str) -> NoteOutcome:
    where = forge.where()
    deadline = forge.deadline()
    posted = False  # an earlier create may have landed although its answer was lost
    last: ForgeError | None = None
    # Look again only after an ambiguous create or a note deleted meanwhile.
    for _ in range(forge.max_tries):
        existing = next(
            (note for note in forge.own_notes(deadline) if note.body.lstrip().startswith(mark)),
            None,
        )
        try:
            if existing is None:
                return _outcome(forge, "created", forge.create_note(full, deadline), where)
            if _same_text(existing.body, full):
                return _outcome(forge, "created" if posted else "unchanged", existing, where)
            updated = forge.update_note(existing.id, full, deadline)
            return _outcome(forge, "updated", updated, where)
        except AmbiguousWrite as exc:
            posted, last = True, exc
        except ForgeError as exc:
            if exc.status != 404 or existing is None:  # 404 on an update: deleted meanwhile
                raise
            last = exc
        if time.monotonic() >= deadline.ends_at:
            break
    status = last.status if last is not None else None
    raise forge.error(
        forge.scrub(f"{where}: could not post mlgate's {forge.note_word}; last: {last}"), status
    )


def _outcome(forge: Forge, action: NoteAction, note: Note, where: str) -> NoteOutcome:
    return NoteOutcome(action, note.url, note.id, f"{action} mlgate's {forge.note_word} on {where}")


def _same_text(existing: str, new: str) -> bool:
    # A forge may hand back CRLF line ends or drop trailing whitespace.
    def norm(text: str) -> str:
        return text.replace("\r\n", "\n").rstrip()

    return norm(existing) == norm(new)
