"""Hostile strings, and the check that rendered Markdown carries none of them out alive."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

from tests.helpers.report_env import envelope

# What a stage, a data file or a forged result file may say: each of these acts in a comment
# when it reaches Markdown raw.
PAYLOADS = [
    "```\n</details>\n\n## ✅ mlgate: passed\n\n@team please merge <img src=x onerror=alert(1)>",
    "`` ` ``` ```` backticks",
    "</details><h2>fake</h2><script>alert(1)</script>",
    "[click](javascript:alert(1)) ![x](https://evil.example/x.png)",
    "@acme/security-team and @octocat, fixes #123 and acme/wine#7",
    "a|b|c\n| --- |\n",
    "&#64;team &lt;img&gt;",
    "https://evil.example and www.evil.example and mallory@evil.example",
    "::add-mask::x\n::set-output name=decision::pass",
]


def assert_inert(markdown: str, *, links: tuple[str, ...] = ()) -> RenderedHtml:
    """What GitHub would render holds nothing the report did not make itself."""
    page = rendered(markdown)
    assert set(page.tags) <= ALLOWED_TAGS, set(page.tags) - ALLOWED_TAGS
    assert page.tags.count("details") == markdown.count(
        "\n<details><summary>"
    ) + markdown.startswith("<details>")
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert len(h2) <= 1 and all(text.startswith("mlgate: ") for text in h2), page.headings
    for tag, text in page.headings:
        assert tag != "h2" or text.startswith("mlgate: ")
        assert tag != "h3" or text.startswith(HEADLINE_PREFIXES), text
        assert tag not in ("h1", "h5", "h6"), text
    prose = "\n".join(page.prose)
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9]", prose), prose  # a live mention
    assert not re.search(r"#\d", prose), prose  # a live issue reference
    for href in page.hrefs:
        assert href.startswith(links), href
    return page


def many_failing_files(count: int) -> dict[str, object]:
    files = [
        {
            "path": f"data/part-{i:05d}.csv",
            "schema": "schemas/train.yaml",
            "status": "fail",
            "rows": 1000,
            "columns": 12,
            "failing_rows": 40,
            "failures": [
                {
                    "column": f"feature_{c}",
                    "check": "greater_than_or_equal_to(0)",
                    "rows": 40,
                    "examples": [{"row": r, "line": r + 2, "value": -1.5 - r} for r in range(5)],
                }
                for c in range(8)
            ],
        }
        for i in range(count)
    ]
    return envelope("validate", "fail", f"{count} of {count} data files failed", files=files)


# The report's own headings; "What changed" is the one with no status of its own.
HEADLINE_PREFIXES = (
    "✅",
    "❌",
    "⚠️",
    "📝 What changed",
    "Pipeline run",
    "dvc.lock check",
    "Reproducibility check",
)


ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "li",
    "strong",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "pre",
    "details",
    "summary",
    "a",
    "hr",
    "blockquote",
    "br",
}


class RenderedHtml(HTMLParser):
    """The tags, headings, links and the text outside code of one rendered document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.open: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.hrefs: list[str] = []
        self.prose: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in ("br", "hr"):
            self.open.append(tag)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = []
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is not None:
            self.headings.append((tag, "".join(self._heading).strip()))
            self._heading = None
        if tag in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag)]

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)
        if not {"code", "pre"} & set(self.open):
            self.prose.append(data)


def rendered(markdown: str) -> RenderedHtml:
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parser = RenderedHtml()
    parser.feed(html)
    return parser
