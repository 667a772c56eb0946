"""Which forge a run talks to, from the runner's environment (GITLAB_CI, else GitHub)."""

from __future__ import annotations

from mlgate.forge.base import Forge


def detect() -> Forge:
    """The forge of the CI this runs in. GitHub is the default: outside any CI a run has no
    pull request, and GitHub's forge then skips the note without a request."""
    from mlgate.forge import ci

    if ci.hosted_ci() == "gitlab":
        from mlgate.forge import gitlab

        return gitlab.GitLabForge(gitlab.gitlab_env())
    from mlgate.forge import github

    return github.GitHubForge(github.github_env())
