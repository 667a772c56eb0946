"""Layer 3, the code host (the forge seam): what mlgate asks of it — the change at hand and the
run's outputs (`ci`), the sticky note (`sticky`, on any forge), the verdict and a user's
permission — behind one interface (`base.Forge`), with GitHub and GitLab behind it (`github`,
`gitlab`, over the shared HTTP client `http`; imported inside `detect` so that the face stays
light). Nothing above the forge imports a concrete forge: it asks `detect()` for the run's."""

from __future__ import annotations

from mlgate.forge import ci
from mlgate.forge.base import (
    Annotation,
    Change,
    Comment,
    Conclusion,
    Forge,
    ForgeError,
    NoteForbidden,
    NoteOutcome,
    PostedVerdict,
    VerdictReport,
)
from mlgate.forge.hosts import detect
from mlgate.forge.sticky import fits as note_fits
from mlgate.forge.sticky import post as post_note

__all__ = [
    "Annotation",
    "Change",
    "Comment",
    "Conclusion",
    "Forge",
    "ForgeError",
    "NoteForbidden",
    "NoteOutcome",
    "PostedVerdict",
    "VerdictReport",
    "ci",
    "detect",
    "note_fits",
    "post_note",
]
