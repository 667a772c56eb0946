"""Layer 3, the code host (the forge seam): what mlgate asks of it — the change at hand and the
run's outputs (`ci`), the sticky note, the verdict and a user's permission (`github`, over
requests, imported by module where it is used so that the face stays light). A second forge
(GitLab) goes beside `github`."""

from __future__ import annotations

from mlgate.forge import ci

__all__ = ["ci"]
