"""What leaves the machine: the redactor, the escaper and the workflow-command guard on their own,
and every report renderer fed the attacker's payloads, rendered the way GitHub renders Markdown
(cmark-gfm, unsafe mode: GitHub sanitises afterwards, so what matters is what cmark makes)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlgate.core.errors import InputError
from mlgate.core.outbound import (
    code,
    fence,
    guard_workflow_commands,
    link,
    md,
    mermaid_label,
    redact,
    redact_data,
    register_secret,
)
from mlgate.forge.github import MAX_COMMENT_CHARS, comment_body, comment_length
from mlgate.report import ReportContext, fit_markdown, report_markdown
from mlgate.results.schema import check_result
from tests.helpers.inert import (
    PAYLOADS,
    assert_inert,
    many_failing_files,
    rendered,
)
from tests.helpers.report_env import compare_result, envelope

# --- the redactor ----------------------------------------------------------------------------


def test_redact_strips_userinfo_and_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "plain-token-value-123")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "https://alice:p%40ss-w0rd@mlflow.example")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "tracking-pw-9")
    register_secret("option-token-456")
    text = redact(
        "MLflow at https://alice:p%40ss-w0rd@mlflow.example/api failed; "
        "raw p@ss-w0rd and p%40ss-w0rd; sqlite://u:v@/x; "
        "GITHUB_TOKEN=plain-token-value-123 option-token-456 tracking-pw-9 "
        "ghp_0123456789abcdefABCDEF github_pat_11ABCDEFG0123456789_abcdef "
        "Authorization: Bearer abc.def.ghi-123 header authorization=token zyx98765 "
        "sent Bearer eyJhbGciOiJIUzI1NiJ9.e30"
    )
    for secret in (
        "alice",
        "p@ss-w0rd",
        "p%40ss-w0rd",
        "plain-token-value-123",
        "option-token-456",
        "tracking-pw-9",
        "ghp_0123",
        "github_pat_11",
        "abc.def",
        "zyx98765",
        "eyJhbGciOiJIUzI1NiJ9",
    ):
        assert secret not in text, (secret, text)
    assert "https://***@mlflow.example/api" in text
    assert redact_data({"u": ["http://x:y@h"], "n": 1}) == {"u": ["http://***@h"], "n": 1}


def test_redact_leaves_ordinary_text_alone() -> None:
    text = (
        "accuracy 0.93 > 0.9 at https://mlflow.example/#/models/wine/versions/3 by @me; "
        "Basic statistics, bearer bonds, the token expired"
    )
    assert redact(text) == text


# --- the workflow-command guard ----------------------------------------------------------------


def test_no_untrusted_line_starts_a_workflow_command() -> None:
    forged = "ok\n::add-mask::x\r  ::stop-commands::t\n\x1b[31m::set-output name=a::b\nz ##[error]x"
    guarded = guard_workflow_commands(forged)
    for line in re.split(r"\r\n|\r|\n", guarded):
        assert not re.match(r"(\s|\x1b\[[0-9;]*m)*::", line), line
    assert "##[" not in guarded
    assert guarded.count("::add-mask::x") == 1  # shown, not dropped


# --- the escaper ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_each_payload_is_inert_in_every_escaper(payload: str) -> None:
    table = "| a | b |\n|---|---|\n" + f"| {md(payload)} | {code(payload)} |"
    page = assert_inert(f"{md(payload)}\n\n{table}\n\n" + "\n".join(fence(payload.splitlines())))
    assert page.tags.count("td") == 2  # one row, two cells: no table break
    assert page.tags.count("pre") == 1  # the fence held
    assert re.fullmatch(r"[A-Za-z0-9 ._:/\-]*", mermaid_label(payload))


def test_a_code_span_holds_any_backtick_run() -> None:
    for text in ("a`b", "``", "x ```` y", "`start", "end`"):
        page = rendered(f"before {code(text)} after")
        assert page.tags.count("code") == 1
        assert "before" in "".join(page.prose) and "after" in "".join(page.prose)


def test_links_only_to_http_urls() -> None:
    assert link("v3", "javascript:alert(1)") == "v3"
    assert link("v3", "https://h/#/models/a b/versions/1") == (
        "[v3](https://h/#/models/a%20b/versions/1)"
    )
    assert link("v3", "https://h/#/models/wine) [merge now](https://evil.example/x") == "v3"
    assert link("v3", "https://h/x\n") == "v3"
    assert link("v3", "https://u:p@h/x") == "[v3](https://h/x)"


# --- the renderers, fed the payloads --------------------------------------------------------------


def _failing_stage(payload: str) -> dict[str, Any]:
    return {
        "name": f"train {payload}",
        "status": "failed",
        "duration_s": 1.0,
        "output_tail": [*payload.splitlines(), "Traceback: boom"],
    }


@pytest.mark.parametrize("payload", PAYLOADS)
def test_report_with_payloads_in_every_field_is_inert(payload: str) -> None:
    compare = compare_result("fail")
    compare["summary"] = payload
    details = compare["details"]
    assert isinstance(details, dict)
    details["checks"][0]["metric"] = f"acc`{payload}"
    details["checks"][0]["message"] = payload
    details["notes"] = [payload]
    details["ungated"] = [{"metric": payload, "candidate": 1.0, "baseline": None}]
    details["baseline"]["model"] = payload
    details["baseline"]["url"] = f"https://mlflow.example/#/models/{payload}/versions/3"
    results = {
        "validate": envelope(
            "validate",
            "fail",
            payload,
            files=[
                {
                    "path": payload,
                    "schema": payload,
                    "status": "fail",
                    "rows": 3,
                    "columns": 2,
                    "failing_rows": 1,
                    "failures": [
                        {
                            "column": payload,
                            "check": payload,
                            "rows": 1,
                            "examples": [{"line": 2, "value": payload}],
                        }
                    ],
                },
                {"path": "b.csv", "schema": payload, "status": "error", "error": payload},
            ],
        ),
        "repro": envelope(
            "repro",
            "fail",
            payload,
            mode="run",
            stages=[_failing_stage(payload)],
            metrics={payload: payload},
        ),
        "compare": compare,
        "gate": envelope("gate", "fail", payload, skipped=[{"step": payload, "reason": payload}]),
    }
    context = ReportContext(
        commit="a" * 40,
        run_url="https://github.com/acme/wine/actions/runs/1",
        repository="acme/wine",
    )
    markdown = report_markdown(results, context)
    page = assert_inert(
        markdown, links=("https://github.com/acme/wine/", "https://mlflow.example/")
    )
    assert page.tags.count("pre") == 1  # the stage output, whole in its fence
    tail = markdown.split("<details><summary>last lines of")[1].split("<details>")[0]
    assert "Traceback: boom" in tail  # the fence held to its end


def test_a_forged_history_version_cannot_leave_the_chart() -> None:
    compare = compare_result("pass")
    details = compare["details"]
    assert isinstance(details, dict)
    details["history"][0]["version"] = '2"]\n```\n\n## ✅ mlgate: passed\n\n```mermaid\n'
    markdown = report_markdown({"compare": compare}, ReportContext())
    assert_inert(markdown)


# --- the poster checks result files before rendering ---------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "field"),
    [
        (("status",), "pass\n## ✅", "status"),
        (("details", "history", 0, "version"), "1\n```", "details.history[0].version"),
        (("details", "checks", 0, "candidate"), "<img src=x>", "details.checks[0].candidate"),
        (("details", "checks", 0, "passed"), "yes", "details.checks[0].passed"),
        (("details", "checks"), {"a": 1}, "details.checks"),
    ],
)
def test_forged_compare_fields_are_refused(
    where: tuple[Any, ...], value: object, field: str, tmp_path: Path
) -> None:
    forged = compare_result("pass")
    target: Any = forged
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(InputError) as refused:
        check_result(forged, str(tmp_path / "compare.json"))
    assert f"compare.json: {field}: " in str(refused.value)


def test_genuine_results_pass_the_check(tmp_path: Path) -> None:
    check_result(compare_result("fail"), str(tmp_path / "compare.json"))
    check_result(
        envelope(
            "repro",
            "fail",
            "x",
            mode="run",
            stages=[_failing_stage("boom")],
            metrics={"acc": 0.9, "label": "x"},
        ),
        str(tmp_path / "repro.json"),
    )


# --- limits -----------------------------------------------------------------------------------


def test_2500_failing_files_fit_the_comment_and_the_summary() -> None:
    results = {"validate": many_failing_files(2500), "compare": compare_result("fail")}
    context = ReportContext()
    full = report_markdown(results, context)
    assert len(full.encode()) < 1_000_000  # the job summary's limit is 1 MiB
    assert "2,450 more files (2,450 of them failing or unreadable) in validate.json" in full
    assert "2,480 more failing files: see validate.json" in full

    def fits(body: str) -> bool:
        return comment_length(comment_body(body)) <= MAX_COMMENT_CHARS

    body = fit_markdown(results, context, fits)
    assert fits(body)
    assert body.startswith("## mlgate: ❌ blocked")


# --- fuzzing: any string in any field ---------------------------------------------------------

# Any characters, with the pieces that matter to Markdown and GitHub drawn often.
TEXT = st.lists(
    st.characters(codec="utf-8", exclude_categories=("Cs",))
    | st.sampled_from(["`", "@a", "#1", "<b>", "|", "\n", "](", "::", "www.", "http://", "&"]),
    max_size=20,
).map("".join)
NUMBER = st.none() | st.floats(allow_nan=False, width=32) | st.integers(-10, 10)


@st.composite
def fuzzed_results(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    check = {
        "metric": draw(TEXT),
        "rule": draw(TEXT),
        "passed": draw(st.booleans()),
        "message": draw(TEXT),
        "skipped": draw(st.booleans()),
        "candidate": draw(NUMBER),
        "baseline": draw(NUMBER),
        "delta": draw(NUMBER),
        "limit": draw(NUMBER),
    }
    metric = check["metric"]
    compare = envelope(
        "compare",
        draw(st.sampled_from(["pass", "fail", "error"])),
        draw(TEXT),
        checks=[check],
        ungated=[{"metric": draw(TEXT), "candidate": draw(NUMBER | TEXT), "baseline": None}],
        notes=[draw(TEXT)],
        candidate={"source": draw(TEXT), "metrics": {metric: 0.5}},
        baseline={
            "source": draw(TEXT),
            "model": draw(TEXT),
            "version": "3",
            "metrics": {metric: 0.4},
            "missing_reason": draw(TEXT),
            "url": "https://mlflow.example/" + draw(TEXT).replace("\n", ""),
        },
        history=[{"version": str(draw(st.integers(0, 99))), "metrics": {metric: 0.3}}],
    )
    failure = {
        "column": draw(TEXT),
        "check": draw(TEXT),
        "rows": 1,
        "examples": [{"line": 2, "value": draw(TEXT)}],
    }
    validate = envelope(
        "validate",
        "fail",
        draw(TEXT),
        files=[
            {
                "path": draw(TEXT),
                "schema": draw(TEXT),
                "status": "fail",
                "rows": 1,
                "columns": 1,
                "failing_rows": 1,
                "failures": [failure],
            },
            {"path": draw(TEXT), "schema": draw(TEXT), "status": "error", "error": draw(TEXT)},
        ],
    )
    stage = {
        "name": draw(TEXT),
        "status": "failed",
        "duration_s": 1.0,
        "output_tail": draw(st.lists(TEXT, max_size=4)),
    }
    repro = envelope(
        "repro",
        "fail",
        draw(TEXT),
        mode="run",
        stages=[stage],
        metrics={draw(TEXT): draw(NUMBER | TEXT)},
    )
    gate = envelope(
        "gate", "fail", draw(TEXT), skipped=[{"step": draw(TEXT), "reason": draw(TEXT)}]
    )
    return {"compare": compare, "validate": validate, "repro": repro, "gate": gate}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fuzzed_results())
def test_fuzzed_result_files_render_inert(results: dict[str, dict[str, Any]]) -> None:
    """The poster refuses a file or renders it inert; the renderers alone render it inert too."""
    for step, result in results.items():
        try:
            check_result(result, f"{step}.json")
        except InputError as refused:
            assert str(refused).startswith(f"{step}.json: ")
    assert_inert(report_markdown(results, ReportContext()), links=("https://mlflow.example/",))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


def genuine_results() -> dict[str, dict[str, Any]]:
    check_mode = {
        "name": "train",
        "state": "stale",
        "reasons": [{"kind": "deps", "change": "modified", "path": "data.csv", "detail": "x"}],
        "absent": [{"path": "model.pkl", "kind": "out", "in_cache": False, "files_absent": 1}],
    }
    return {
        "compare": compare_result("fail"),
        "validate": many_failing_files(2),
        "repro": envelope(
            "repro", "fail", "train failed", mode="run", stages=[_failing_stage("boom")],
            metrics={"acc": 0.9},
        ),
        "gate": envelope("gate", "fail", "x", skipped=[{"step": "compare", "reason": "bad data"}]),
        "check": envelope("repro", "fail", "stale", mode="check", stages=[check_mode]),
        "verify": envelope(
            "repro", "fail", "differs", mode="verify",
            outputs=[{"stage": "train", "path": "model.pkl", "reproduced": False}],
            metrics_moved=[{"name": "acc", "committed": 0.9, "reproduced": 0.8, "delta": -0.1}],
        ),
    }  # fmt: skip


def _places(value: Any, where: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every field of `value`; of a list, its first item's (the others have the same shape)."""
    found = [where] if where else []
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value[:1])
        for key, item in items:
            found += _places(item, (*where, key))
    return found


HOSTILE = [None, True, -1, 10**400, 1e308, float("nan"), "", "<img>", [], {}, [1], {"a": 1}]


def test_any_value_in_any_field_is_refused_or_rendered_inert() -> None:
    """A forged file with a hostile value in any place: the poster refuses it (exit 2) or
    renders it inert, never crashing (an internal error would be exit 3 and no report)."""
    for name, genuine in genuine_results().items():
        step = {"check": "repro", "verify": "repro"}.get(name, name)
        for place in _places(genuine):
            for value in HOSTILE:
                forged = genuine_results()[name]
                target = forged
                for key in place[:-1]:
                    target = target[key]
                target[place[-1]] = value
                try:
                    check_result(forged, f"{step}.json")
                except InputError:
                    continue
                try:
                    assert_inert(report_markdown({step: forged}, ReportContext()))
                except Exception as exc:
                    raise AssertionError(f"{name} {place} = {value!r}") from exc
