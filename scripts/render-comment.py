"""Look at a PR comment the way a reviewer sees it: GitHub-flavoured Markdown to HTML (cmark-gfm,
as GitHub renders it) with GitHub-like styles, then a screenshot with headless Chromium.

    python scripts/render-comment.py report.md [more.md ...] [--out-dir DIR] [--width 900]

Writes DIR/<name>.html and DIR/<name>.png beside each other (DIR defaults to the Markdown's own
directory). Mermaid blocks stay as code: there is no mermaid.js offline; read their source.
`<details>` blocks are rendered closed, as GitHub shows them; `--open` opens them all.
Needs cmarkgfm (a test dependency) and Debian's `chromium` (apt-get install chromium).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import cmarkgfm
from cmarkgfm.cmark import Options

CHROMIUM = "/usr/bin/chromium"
# Close to github.com's comment box: its font stack, table borders, code and summary styles.
STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
       font-size: 14px; line-height: 1.5; color: #1f2328; margin: 16px; max-width: 860px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; margin-top: 24px; }
table { border-collapse: collapse; margin: 8px 0; display: block; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
pre { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
summary { cursor: pointer; color: #0969da; }
blockquote { color: #59636e; border-left: .25em solid #d1d9e0; margin: 0; padding: 0 1em; }
hr { border: 0; border-top: 1px solid #d1d9e0; }
"""


def to_html(markdown: str, title: str, open_details: bool) -> str:
    body = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    if open_details:
        body = body.replace("<details>", "<details open>")
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


def screenshot(html_path: Path, png_path: Path, width: int, height: int) -> None:
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--screenshot={png_path}",
            f"--window-size={width},{height}",
            html_path.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", nargs="+", type=Path)
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--height", type=int, default=1400)
    parser.add_argument("--open", action="store_true", help="render <details> opened")
    args = parser.parse_args(argv)
    for source in args.markdown:
        out_dir = args.out_dir or source.parent
        out_dir.mkdir(parents=True, exist_ok=True)
        html_path = out_dir / f"{source.stem}.html"
        png_path = out_dir / f"{source.stem}.png"
        html_path.write_text(to_html(source.read_text(), source.stem, args.open))
        screenshot(html_path, png_path, args.width, args.height)
        print(png_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
