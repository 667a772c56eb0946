"""Layer 0: what every other package stands on and that imports nothing of mlgate above it —
errors and exit statuses (`errors`), repo-relative paths (`paths`), the one escaper and redactor
(`outbound`), wording, the YAML 1.2 reader (`yamlio`) and git (`scm`). These modules are light
and independent, so the others import them by module (`mlgate.core.errors`)."""

from __future__ import annotations

__all__ = ["errors", "outbound", "paths", "scm", "wording", "yamlio"]
