"""`mlgate report --format openmetrics|junit` and `--push-gateway`: the documents GitLab's
metrics and test widgets, a Prometheus textfile collector and a Pushgateway read, checked with
prometheus-client's own OpenMetrics parser, a real XML parser and a real HTTP server."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from tests.helpers.cli import RunMlgate

# A metric name as a messy or hostile repo may write it: every character the label-value
# syntax must escape, and a brace and comma that would end a label set if left raw.
HOSTILE = 'acc"} 1\n# EOF\\x,y="z'

CONFIG = """\
version: 1
metrics: {candidate: file:candidate.json, baseline: file:baseline.json}
gates:
  accuracy: {direction: higher, max_regression: 0.01}
"""


def gated_repo(root: Path, candidate: float, baseline: float = 0.9) -> Path:
    root.mkdir()
    (root / "mlgate.yaml").write_text(CONFIG)
    extra = {HOSTILE: 0.5, "flag": True, "name": "text"}
    (root / "candidate.json").write_text(json.dumps({"accuracy": candidate, **extra}))
    (root / "baseline.json").write_text(json.dumps({"accuracy": baseline, HOSTILE: 0.25}))
    return root


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_openmetrics_of_a_better_model_parse_and_carry_both_sides(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = gated_repo(tmp_path / "repo", candidate=0.95)
    assert mlgate("gate", cwd=root).code == 0
    result = mlgate("report", "--format", "openmetrics", "-o", "metrics.txt", cwd=root)
    assert result.code == 0, result.err
    assert result.out == ""  # the document went to the file
    text = (root / "metrics.txt").read_text()
    assert text.endswith("# EOF\n")
    got = samples(text)
    assert got[("mlgate_decision", (("decision", "pass"),))] == 1
    assert got[("mlgate_decision", (("decision", "fail"),))] == 0
    assert got[("mlgate_exit_code", ())] == 0
    assert got[("mlgate_metric_value", (("metric", "accuracy"), ("side", "candidate")))] == 0.95
    assert got[("mlgate_metric_value", (("metric", "accuracy"), ("side", "baseline")))] == 0.9
    assert got[("mlgate_metric_delta", (("metric", "accuracy"),))] == pytest.approx(0.05)
    assert got[("mlgate_rule_passed", (("metric", "accuracy"), ("rule", "max_regression")))] == 1
    assert got[("mlgate_check_outcome", (("gate", "compare"), ("outcome", "pass")))] == 1
    assert got[("mlgate_check_outcome", (("gate", "validate"), ("outcome", "skipped")))] == 1
    assert ("mlgate_duration_seconds", (("gate", "gate"),)) in got
    # The hostile name comes back exactly, as one label value of one sample per side.
    assert got[("mlgate_metric_value", (("metric", HOSTILE), ("side", "candidate")))] == 0.5
    assert got[("mlgate_metric_delta", (("metric", HOSTILE),))] == 0.25
    # Not numbers, not measurements: left out rather than written as something else.
    assert not [key for key in got if ("metric", "flag") in key[1] or ("metric", "name") in key[1]]
    # The Markdown report is still written where it always is.
    assert (root / ".mlgate" / "report.md").read_text().startswith("## mlgate: ")


def test_openmetrics_and_junit_of_a_worse_model_say_fail(tmp_path: Path, mlgate: RunMlgate) -> None:
    root = gated_repo(tmp_path / "repo", candidate=0.8)
    assert mlgate("gate", cwd=root).code == 1
    metrics = mlgate("report", "--format", "openmetrics", cwd=root)
    assert metrics.code == 1
    got = samples(metrics.out)
    assert got[("mlgate_decision", (("decision", "fail"),))] == 1
    assert got[("mlgate_exit_code", ())] == 1
    assert got[("mlgate_rule_passed", (("metric", "accuracy"), ("rule", "max_regression")))] == 0
    junit = mlgate("report", "--format", "junit", "-o", "junit.xml", cwd=root)
    assert junit.code == 1
    suites = ET.parse(root / "junit.xml").getroot()
    assert suites.get("failures") == "2"  # the comparison, and its one rule
    cases = {case.get("name"): case for case in suites.iter("testcase")}
    assert cases["model comparison"].find("failure") is not None
    assert cases["accuracy max_regression"].find("failure") is not None
    skipped = cases["data validation"].find("skipped")
    assert skipped is not None and "no `data:`" in str(skipped.get("message"))


def test_junit_carries_control_characters_and_markup_as_text(
    tmp_path: Path, mlgate: RunMlgate
) -> None:
    root = gated_repo(tmp_path / "repo", candidate=0.95)
    name = "acc\x01</testcase><x a='1'>&"
    (root / "mlgate.yaml").write_text(CONFIG.replace("accuracy:", json.dumps(name) + ":"))
    (root / "candidate.json").write_text(json.dumps({name: 0.5}))
    (root / "baseline.json").write_text(json.dumps({name: 0.9}))
    assert mlgate("gate", cwd=root).code == 1
    result = mlgate("report", "--format", "junit", cwd=root)
    suites = ET.fromstring(result.out)  # parses: nothing broke out of its attribute
    names = [str(case.get("name")) for case in suites.iter("testcase")]
    assert "acc\ufffd</testcase><x a='1'>& max_regression" in names


class Recorder(BaseHTTPRequestHandler):
    """A Pushgateway stand-in: records each push, answers 200 (the real one's reply)."""

    pushes: list[dict[str, Any]]

    def do_PUT(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.server.pushes.append({"path": self.path, "body": body})  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.pushes = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", server.pushes  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_push_gateway_receives_the_same_metrics(
    tmp_path: Path, mlgate: RunMlgate, gateway: tuple[str, list[dict[str, Any]]]
) -> None:
    url, pushes = gateway
    root = gated_repo(tmp_path / "repo", candidate=0.8)
    assert mlgate("gate", cwd=root).code == 1
    result = mlgate("report", "--push-gateway", url, cwd=root)
    assert result.code == 1  # the verdict, unchanged by pushing
    assert "metrics pushed" in result.err
    (push,) = pushes
    assert push["path"] == "/metrics/job/mlgate"
    body = push["body"]
    assert 'mlgate_decision{decision="fail"} 1.0' in body
    assert 'mlgate_metric_value{metric="accuracy",side="candidate"} 0.8' in body
    assert 'mlgate_rule_passed{metric="accuracy",rule="max_regression"} 0.0' in body
    # The hostile name is one escaped label value there too.
    assert 'metric="acc\\"} 1\\n# EOF\\\\x,y=\\"z"' in body


def test_an_unreachable_push_gateway_warns_and_keeps_the_verdict(
    tmp_path: Path, mlgate: RunMlgate, gateway: tuple[str, list[dict[str, Any]]]
) -> None:
    url, _ = gateway
    root = gated_repo(tmp_path / "repo", candidate=0.95)
    assert mlgate("gate", cwd=root).code == 0
    dead = url.rsplit(":", 1)[0] + ":1"  # nothing listens on port 1
    result = mlgate("report", "--push-gateway", dead, cwd=root)
    assert result.code == 0
    assert "could not push the metrics" in result.err
    bad = mlgate("report", "--push-gateway", "ftp://example", cwd=root)
    assert bad.code == 2
    assert "--push-gateway" in bad.err
