"""`-o` through the CLI: several outputs, each in the format of its suffix, S3 keys, the
one-line summary, --fail-on none; every refusal one line, exit 2, before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xmlschema

from auditor.model.snapshot import Snapshot
from tests.support.aws import Aws
from tests.support.cli import CliResult, invoke, subprocess_cli
from tests.support.snapshots import SmallApp, small_app

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
BUCKET = "audit-reports"


def one_line(result: CliResult) -> str:
    assert result.exit_code == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditor: error: "), result.stderr
    return lines[0]


def offline(folder: Path, app: SmallApp | None = None) -> list[str]:
    """`auditor run` of a small app with a public debugging route (a critical and a medium
    finding), offline from its snapshot."""
    if app is None:
        app = small_app()
        app.add_route("GET /debug", "NONE")
    (folder / "snapshot.json").write_text(Snapshot.model_validate(app.snapshot).to_json())
    (folder / "baseline.json").write_text(json.dumps(app.baseline))
    return [
        "run",
        "--baseline",
        str(folder / "baseline.json"),
        "--snapshot",
        str(folder / "snapshot.json"),
    ]


def test_each_output_takes_the_format_of_its_suffix(tmp_path: Path) -> None:
    names = ["r.json", "r.md", "r.html", "r.sarif", "r.xml", "r.ocsf.json", "r.txt"]
    args = offline(tmp_path)
    for name in names:
        args += ["-o", str(tmp_path / name)]
    done = invoke(args)
    assert done.exit_code == 1 and done.stdout == ""
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["findings"] >= 2
    assert (tmp_path / "r.md").read_text().startswith("#")
    assert (tmp_path / "r.html").read_text().lower().startswith("<!doctype html>")
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    xmlschema.XMLSchema(str(SCHEMAS / "junit-windyroad.xsd")).validate(str(tmp_path / "r.xml"))
    events = json.loads((tmp_path / "r.ocsf.json").read_text())
    assert {e["class_uid"] for e in events} == {2004}
    assert len(events) == report["summary"]["findings"]
    assert "route-not-iam" in (tmp_path / "r.txt").read_text()
    # The summary: counts by severity, then every output, in the order given.
    (line,) = done.stderr.splitlines()
    by_severity = report["summary"]["by_severity"]
    assert line.startswith(f"{report['summary']['findings']} findings (")
    assert f"{by_severity['critical']} critical" in line
    assert line.endswith("-> " + ", ".join(str(tmp_path / n) for n in names))


def test_sarif_points_at_the_baseline_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = invoke([*offline(tmp_path), "-o", "r.sarif"])
    assert done.exit_code == 1
    result = json.loads((tmp_path / "r.sarif").read_text())["runs"][0]["results"][0]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "baseline.json"


def test_format_still_chooses_for_a_single_output(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    assert invoke([*offline(tmp_path), "-f", "junit", "-o", str(out)]).exit_code == 1
    assert out.read_text().startswith("<?xml")
    out = tmp_path / "report.pdf"  # a suffix the auditor does not know, but --format says
    assert invoke([*offline(tmp_path), "-f", "sarif", "-o", str(out)]).exit_code == 1
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_format_on_stdout(tmp_path: Path) -> None:
    for fmt, starts in (("sarif", "{"), ("junit", "<?xml"), ("ocsf", "[")):
        done = invoke([*offline(tmp_path), "--format", fmt])
        assert done.exit_code == 1 and done.stdout.startswith(starts), fmt
        assert done.stderr == ""  # no summary: the report itself is on the terminal


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["-o", "report.pdf"], "--output 'report.pdf': unknown suffix"),
        (["-o", "report"], "--output 'report': unknown suffix"),
        (["-o", "r.json", "-o", "r.pdf"], "--output 'r.pdf': unknown suffix"),
        (["-f", "json", "-o", "a.json", "-o", "b.html"], "--format: applies to a single"),
        (["-o", "a.json", "-o", "./a.json"], "--output './a.json': is given twice"),
        (["-o", "s3://bucket"], "expected s3://bucket/key"),
        (["-o", "s3:///key.json"], "expected s3://bucket/key"),
        (["-o", "s3://bucket/folder/"], "expected s3://bucket/key"),
        (["-o", "s3://Bad_Bucket/r.json"], "is not a valid S3 bucket name"),
        (["-o", "s3://bucket/report.pdf"], "unknown suffix"),
        (["-o", "missing-dir-file/"], "names a directory"),
        (["--fail-on", "never"], "--fail-on: 'never' is not one of critical"),
    ],
)
def test_bad_outputs_are_one_line_before_any_work(
    extra: list[str], says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = offline(tmp_path)
    (tmp_path / "snapshot.json").unlink()  # any work would fail on it, differently
    line = one_line(invoke([*args, *extra]))
    assert says in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]


def test_every_output_is_checked_before_any_is_written(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    first = tmp_path / "r.json"
    for bad, says in (("afile/r.html", "is a file, not a directory"), ("adir", "is a directory")):
        args = [*offline(tmp_path), "-o", str(first), "-o", str(tmp_path / bad)]
        done = subprocess_cli(args)
        line = one_line(done)
        assert f"--output '{tmp_path / bad}'" in line and says in line, line
        assert "Traceback" not in done.stderr and not first.exists()


def test_fail_on_none_never_fails_on_findings_but_incomplete_still_does(tmp_path: Path) -> None:
    assert invoke(offline(tmp_path)).exit_code == 1
    assert invoke([*offline(tmp_path), "--fail-on", "none"]).exit_code == 0
    assert invoke([*offline(tmp_path), "--fail-on", "NONE"]).exit_code == 0
    app = small_app()
    app.add_route("GET /debug", "NONE")
    app.fail_read("iam", "GetAccountAuthorizationDetails")
    out = tmp_path / "r.sarif"
    done = invoke([*offline(tmp_path, app), "--fail-on", "none", "-o", str(out)])
    assert done.exit_code == 3
    invocation = json.loads(out.read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert done.stderr.splitlines()[-1].startswith("incomplete (1 AWS read(s) failed): ")


# --- S3 --------------------------------------------------------------------------------------


def test_outputs_go_to_s3_through_the_endpoint(
    aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditor.collect import session

    sessions: list[object] = []
    made = session.AwsClients.__init__

    def counted(self: session.AwsClients, options: session.AwsOptions) -> None:
        sessions.append(options)
        made(self, options)

    monkeypatch.setattr(session.AwsClients, "__init__", counted)
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    args = offline(tmp_path)
    keys = ["runs/r.sarif", "runs/r.ocsf.json", "runs/r.html"]
    for key in keys:
        args += ["-o", f"s3://{BUCKET}/{key}"]
    args += ["-o", str(tmp_path / "r.json"), "--endpoint-url", aws.url]
    done = invoke(args)
    assert done.exit_code == 1, done
    assert not (tmp_path / "s3:").exists()  # no local folder named "s3:" any more
    bodies = {key: s3.get_object(Bucket=BUCKET, Key=key) for key in keys}
    assert json.loads(bodies["runs/r.sarif"]["Body"].read())["version"] == "2.1.0"
    assert bodies["runs/r.sarif"]["ContentType"] == "application/sarif+json"
    events = json.loads(bodies["runs/r.ocsf.json"]["Body"].read())
    assert len(events) == json.loads((tmp_path / "r.json").read_text())["summary"]["findings"]
    assert bodies["runs/r.html"]["ContentType"].startswith("text/html")
    assert f"s3://{BUCKET}/runs/r.sarif" in done.stderr
    assert aws.emulator.operations()["s3:PutObject"] == 3
    assert len(sessions) == 1  # one session for every write, not one per output


def test_an_s3_output_that_cannot_be_written_is_one_line(aws: Aws, tmp_path: Path) -> None:
    done = invoke(
        [*offline(tmp_path), "-o", "s3://no-such-bucket/r.json", "--endpoint-url", aws.url]
    )
    line = one_line(done)
    assert "--output s3://no-such-bucket/r.json" in line and "NoSuchBucket" in line


def test_schedule_checks_its_outputs_before_it_starts(tmp_path: Path) -> None:
    args = offline(tmp_path)[:3]  # run --baseline B
    schedule = ["schedule", *args[1:], "--cron", "*/15 * * * *"]
    line = one_line(subprocess_cli([*schedule, "-o", str(tmp_path / "r.pdf")]))
    assert "--output" in line and "unknown suffix" in line
    line = one_line(subprocess_cli([*schedule, "-f", "json", "-o", "a.json", "-o", "b.md"]))
    assert "--format: applies to a single --output" in line


def test_demo_writes_several_outputs(tmp_path: Path) -> None:
    sarif, ocsf = tmp_path / "demo.sarif", tmp_path / "demo.ocsf.json"
    done = subprocess_cli(["demo", "-o", str(sarif), "-o", str(ocsf)])
    assert done.exit_code == 1, done
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    assert len(results) == len(json.loads(ocsf.read_text())) > 0
    assert done.stderr.splitlines()[-1].endswith(f"-> {sarif}, {ocsf}")
    line = one_line(subprocess_cli(["demo", "-o", "s3://bucket/demo.json"]))
    assert "the demo writes local files only" in line
