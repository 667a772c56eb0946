from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgate.commands.common import FORMATS, common_options_with, echo, warn

if TYPE_CHECKING:
    from mlgate.report import Published

# Documents for machines, written to -o FILE (else stdout); the Markdown report then stays in
# the results dir.
DOCUMENT_FORMATS = ("junit", "openmetrics")


def post_option_default() -> bool:
    """In GitHub Actions or GitLab CI the report is posted by default; elsewhere only when asked."""
    from mlgate.forge import ci

    return ci.hosted_ci() is not None


report_post_options = [
    click.option(
        "--post/--no-post",
        default=None,
        help=(
            "Post the report as the PR's (MR's) one mlgate note "
            "[default: on in GitHub Actions or GitLab CI]."
        ),
    ),
    click.option(
        "--id",
        "marker_id",
        default="default",
        show_default=True,
        help="Which mlgate comment to update: two configs or workflows on one PR use two ids.",
    ),
    click.option(
        "--require-comment",
        is_flag=True,
        help="Fail (exit 3) when the comment cannot be posted, instead of warning.",
    ),
]


def with_post_options(func: click.decorators.FC) -> click.decorators.FC:
    for decorate in reversed(report_post_options):
        func = decorate(func)
    return func


@click.command("report")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the Markdown report here [default: <results-dir>/report.md]; with --format "
    "junit or openmetrics, write that document here instead of printing it.",
)
@click.option(
    "--push-gateway",
    metavar="URL",
    help="Push the OpenMetrics of this run to a Prometheus Pushgateway (job `mlgate`); needs "
    "the `metrics` extra. Trouble pushing is a warning.",
)
@with_post_options
@common_options_with((*FORMATS, *DOCUMENT_FORMATS))
def report(
    *,
    output: Path | None,
    push_gateway: str | None,
    post: bool | None,
    marker_id: str,
    require_comment: bool,
    config_path: Path | None,
    results_dir: Path | None,
    output_format: str,
) -> int:
    """Render the run's results as one report; post it on the pull request.

    The exit code is the results' verdict: 2 if any input error, else 3 if any step had no
    verdict, else 1 if any failed, else 0. Posting trouble is a warning.
    """
    del config_path  # the report reads the result files only
    from mlgate.report import ReportRequest, publish
    from mlgate.results import (
        is_report_file,
        require_writable,
        resolve_results_dir,
        result_file_names,
    )

    directory = resolve_results_dir(results_dir)
    document = output_format in DOCUMENT_FORMATS
    if output is not None:
        reads = [directory / name for name in result_file_names()]
        own = None if document else is_report_file
        require_writable(output, option="-o/--output", inputs=reads, own=own)
    published = publish(
        ReportRequest(
            results_dir=directory,
            root=Path.cwd(),
            post=post_option_default() if post is None else post,
            marker_id=marker_id,
            require_comment=require_comment,
            output=None if document else output,
        )
    )
    if push_gateway:
        push_metrics(published, push_gateway)
    if document:
        write_document(published, output_format, output)
    else:
        print_report(published, output_format)
    return published.exit_code


def push_metrics(published: Published, url: str) -> None:
    """Push the run's OpenMetrics; a Pushgateway that is down loses a chart point, not the
    verdict, so it is a warning as posting trouble is."""
    from mlgate.core.errors import ExternalError
    from mlgate.report import push_to_gateway

    try:
        push_to_gateway(published.results, url)
    except ExternalError as exc:
        published.warnings.append(str(exc))
    else:
        published.notes.append("metrics pushed to the Pushgateway")


def write_document(published: Published, output_format: str, output: Path | None) -> None:
    """The JUnit or OpenMetrics document, to `output` or stdout; notes and warnings to stderr."""
    from mlgate.core.outbound import redact
    from mlgate.report import report_junit, report_openmetrics
    from mlgate.results import write_atomic

    render = report_junit if output_format == "junit" else report_openmetrics
    text = redact(render(published.results))
    for message in published.warnings:
        warn(message)
    for note in published.notes:
        echo(f"note: {note}", err=True)
    if output is None:
        echo(text.rstrip("\n"))
    else:
        write_atomic(output, text)


def print_report(published: Published, output_format: str, envelope: str | None = None) -> None:
    """The report; with `envelope` (a command's name), `--format json` prints that command's
    result file as written, the shape every command prints."""
    from mlgate.report import report_json, report_markdown, report_text

    for message in published.warnings:
        warn(message)
    for note in published.notes:
        echo(f"note: {note}", err=True)
    if output_format == "json" and envelope is not None:
        echo(json.dumps(published.results.get(envelope), indent=2))
    elif output_format == "json":
        echo(report_json(published.results, published.context))
    elif output_format == "markdown":
        echo(report_markdown(published.results, published.context))
    else:
        text = report_text(published.results, published.context)
        colour = {"pass": "green", "fail": "red"}.get(published.decision, "yellow")
        first, _, rest = text.partition("\n")
        echo(click.style(first, fg=colour, bold=True) + ("\n" + rest if rest else ""))
