"""The command-line family: valid files, hostile arguments (paths, enums, URLs, crons).

Live commands point at a closed loopback port with one attempt per call, so an AWS read
fails at once: the run must then say it is incomplete (exit 3), never hang or crash.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.case import (
    ANY_EXIT,
    INCOMPLETE,
    INPUT_ERROR,
    INPUT_OR_INCOMPLETE,
    NOT_INPUT_ERROR,
    Case,
)
from tests.fuzz.families import BASELINE_YAML, INVALID_ROUTES, SNAPSHOT, STATE
from tests.fuzz.seeds import Seeds

RUN = ("run", "--baseline", BASELINE_YAML, "--snapshot", SNAPSHOT)
LIVE = ("run", "--baseline", BASELINE_YAML, "--max-attempts", "1", "-o", "report.json")
EXPLAIN = ("explain", "--baseline", BASELINE_YAML, "--snapshot", SNAPSHOT)
SCHEDULE = ("schedule", "--baseline", BASELINE_YAML)
EVERY_15 = ("--cron", "*/15 * * * *")
IDS = ("--user-pool", "us-east-1_AbC", "--identity-pool", "us-east-1:0d3a")
FOLDER = "adir"

# (argv, allowed exits, what an exit-2 message must name)
Template = tuple[tuple[str, ...], frozenset[int], tuple[str, ...]]
TEMPLATES: tuple[Template, ...] = (
    ((*RUN, "-o", f"{FOLDER}/"), INPUT_ERROR, (FOLDER,)),
    ((*RUN, "-o", FOLDER), INPUT_ERROR, (FOLDER,)),
    ((*RUN, "-o", ""), INPUT_ERROR, ("-o", "--output")),
    ((*RUN, "-o", f"{BASELINE_YAML}/x"), INPUT_ERROR, (f"{BASELINE_YAML}/x",)),
    ((*RUN, "-o", "/proc/version"), INPUT_ERROR, ("/proc/version",)),
    ((*RUN, "-o", "missing/dir/r.json"), ANY_EXIT, ("missing/dir/r.json",)),
    # CONTRACT §6.3: several outputs, each format from its suffix; an unknown one is exit 2.
    ((*RUN, "-o", "r.pdf"), INPUT_ERROR, ("--output", "r.pdf")),
    ((*RUN, "-o", "r.sarif", "-o", "r"), INPUT_ERROR, ("--output",)),
    ((*RUN, "-o", "r.json", "-o", "r.json"), INPUT_ERROR, ("r.json",)),
    ((*RUN, "-o", "r.json", "-o", "r.xml", "-f", "json"), INPUT_ERROR, ("--format",)),
    ((*RUN, "-o", "s3://"), INPUT_ERROR, ("s3://",)),
    ((*RUN, "-o", "s3://bucket"), INPUT_ERROR, ("s3://bucket",)),
    ((*RUN, "-o", "s3://Not_A_Bucket/r.json"), INPUT_ERROR, ("s3://Not_A_Bucket/r.json",)),
    ((*RUN, "-o", "r.sarif", "-o", "r.xml", "-o", "r.ocsf.json", "-o", "r.md"), ANY_EXIT, ()),
    ((*RUN, "-f", "sarif", "-o", "r.out"), ANY_EXIT, ("-f",)),
    ((*RUN, "-f", "pdf"), INPUT_ERROR, ("--format",)),
    ((*RUN, "--fail-on", "none", "-o", "r.json"), NOT_INPUT_ERROR, ()),
    ((*RUN, "--fail-on", "nothing"), INPUT_ERROR, ("--fail-on",)),
    (("--quiet", *RUN, "-o", "r.junit.xml"), NOT_INPUT_ERROR, ()),
    (("--log-format", "yaml", *RUN), INPUT_ERROR, ("--log-format",)),
    (("--log-level", "loud", *RUN), INPUT_ERROR, ("--log-level",)),
    ((*RUN, "--fail-on", "CRITICAL", "-o", "r.json"), ANY_EXIT, ("--fail-on",)),
    ((*RUN, "--max-attempts", "abc"), INPUT_ERROR, ("--max-attempts",)),
    ((*RUN, "--max-attempts", "-1"), INPUT_ERROR, ("--max-attempts",)),
    ((*RUN, "--max-attempts", "9" * 30), INPUT_ERROR, ("--max-attempts",)),
    ((*RUN, "--retry-mode", "sometimes"), INPUT_ERROR, ("--retry-mode",)),
    ((*RUN, "--state", ""), INPUT_ERROR, ("--state",)),
    ((*RUN, "--state", FOLDER, "-o", "r.json"), INPUT_ERROR, (FOLDER,)),
    ((*RUN, "--state", "s3://", "-o", "r.json"), INPUT_ERROR, ("s3://",)),
    ((*RUN, "--state", "s3://bucket", "-o", "r.json"), INPUT_ERROR, ("s3://bucket",)),
    (
        (*RUN, "--state", "s3://b/k", "--max-attempts", "1", "-o", "r.json"),
        INPUT_OR_INCOMPLETE,
        ("s3://b/k",),
    ),
    ((*RUN, "--state", "/dev/zero", "-o", "r.json"), INPUT_ERROR, ("/dev/zero",)),
    ((*RUN, "--state", BASELINE_YAML, "-o", "r.json"), INPUT_ERROR, (BASELINE_YAML,)),
    ((*RUN, "--slack"), INPUT_ERROR, ("--slack", "SLACK")),
    ((*RUN, "--bogus"), INPUT_ERROR, ("--bogus",)),
    (("run", "--baseline", BASELINE_YAML, "--snapshot"), INPUT_ERROR, ("--snapshot",)),
    (("run",), INPUT_ERROR, ("--baseline",)),
    (("run", "--baseline", "/dev/zero", "--snapshot", SNAPSHOT), INPUT_ERROR, ("/dev/zero",)),
    (("run", "--baseline", "/dev/urandom", "--snapshot", SNAPSHOT), INPUT_ERROR, ("/dev/urandom",)),
    (("run", "--baseline", BASELINE_YAML, "--snapshot", "/dev/zero"), INPUT_ERROR, ("/dev/zero",)),
    (
        ("run", "--baseline", BASELINE_YAML, "--snapshot", "/dev/urandom"),
        INPUT_ERROR,
        ("/dev/urandom",),
    ),
    (("run", "--baseline", BASELINE_YAML, "--snapshot", FOLDER), INPUT_ERROR, (FOLDER,)),
    (
        ("run", "--baseline", BASELINE_YAML, "--snapshot", BASELINE_YAML),
        INPUT_ERROR,
        (BASELINE_YAML,),
    ),
    (("run", "--baseline", SNAPSHOT, "--snapshot", SNAPSHOT), INPUT_ERROR, (SNAPSHOT,)),
    (("run", "--baseline", STATE, "--snapshot", SNAPSHOT), INPUT_ERROR, (STATE,)),
    (("bogus-command",), INPUT_ERROR, ("bogus-command",)),
    (("--version",), frozenset({0}), ()),
    (("validate", "/dev/zero"), INPUT_ERROR, ("/dev/zero",)),
    (("validate", "/dev/urandom"), INPUT_ERROR, ("/dev/urandom",)),
    (("validate", "/dev/null"), INPUT_ERROR, ("/dev/null",)),
    (("validate", "/"), INPUT_ERROR, ("/",)),
    (("validate", ""), INPUT_ERROR, ("validate", "BASELINE", "''")),
    (("validate", "missing.yaml"), INPUT_ERROR, ("missing.yaml",)),
    (("validate", FOLDER), INPUT_ERROR, (FOLDER,)),
    (("validate", BASELINE_YAML, "extra"), INPUT_ERROR, ("extra",)),
    (("validate",), INPUT_ERROR, ("BASELINE", "baseline")),
    ((*LIVE, "--endpoint-url", "not a url"), INPUT_ERROR, ("--endpoint-url", "not a url")),
    (
        (*LIVE, "--endpoint-url", "ftp://127.0.0.1:9"),
        INPUT_OR_INCOMPLETE,
        ("--endpoint-url", "ftp://"),
    ),
    ((*LIVE, "--endpoint-url", ""), INPUT_OR_INCOMPLETE, ("--endpoint-url",)),
    (LIVE, INCOMPLETE, ()),
    ((*LIVE, "--region", ""), INPUT_OR_INCOMPLETE, ("--region",)),
    ((*LIVE, "--region", "us east 1"), INPUT_ERROR, ("--region",)),
    ((*LIVE, "--profile", "nope"), INPUT_ERROR, ("nope", "--profile")),
    (("snapshot", "--max-attempts", "1"), INPUT_ERROR, ("--baseline", "--user-pool")),
    (("snapshot", "--user-pool", "", "--identity-pool", ""), INPUT_ERROR, ("--user-pool", "''")),
    (
        ("snapshot", "--baseline", BASELINE_YAML, "--max-attempts", "1", "-o", f"{FOLDER}/"),
        INPUT_OR_INCOMPLETE,
        (FOLDER,),
    ),
    (("baseline", "init", *IDS, "-o", BASELINE_YAML), INPUT_ERROR, (BASELINE_YAML,)),
    (
        ("baseline", "init", "--user-pool", "", "--identity-pool", ""),
        INPUT_ERROR,
        ("--user-pool", "''"),
    ),
    (("baseline", "init", *IDS, "--api", ""), INPUT_ERROR, ("--api",)),
    (("baseline", "init", *IDS, "--api", ":prod"), INPUT_ERROR, ("--api", ":prod")),
    ((*EXPLAIN, "--persona", "group:admin", "--route", "GET /items"), NOT_INPUT_ERROR, ()),
    ((*EXPLAIN, "--persona", "", "--route", "GET /items"), INPUT_ERROR, ("--persona",)),
    (
        (*EXPLAIN, "--persona", "admin", "--route", "GET /items"),
        INPUT_ERROR,
        ("--persona", "admin"),
    ),
    (
        (*EXPLAIN, "--persona", "group:", "--route", "GET /items"),
        INPUT_ERROR,
        ("--persona", "group:"),
    ),
    (
        (*EXPLAIN, "--persona", "claim:", "--route", "GET /items"),
        INPUT_ERROR,
        ("--persona", "claim:"),
    ),
    (
        (*EXPLAIN, "--persona", "group:nobody", "--route", "GET /items"),
        ANY_EXIT,
        ("--persona", "nobody"),
    ),
    (("rules", "--format", "yaml"), INPUT_ERROR, ("--format",)),
    (("rules", "--format", "json"), frozenset({0}), ()),
    ((*SCHEDULE, "--cron", "0 0 31 2 *"), INPUT_ERROR, ("--cron", "0 0 31 2 *")),
    ((*SCHEDULE, "--cron", "bogus"), INPUT_ERROR, ("--cron", "bogus")),
    ((*SCHEDULE, "--cron", ""), INPUT_ERROR, ("--cron",)),
    ((*SCHEDULE, "--cron", "60 * * * *"), INPUT_ERROR, ("--cron",)),
    ((*SCHEDULE, "--cron", "* * * * * * *"), INPUT_ERROR, ("--cron",)),
    ((*SCHEDULE, "--cron", "*/0 * * * *"), INPUT_ERROR, ("--cron",)),
    ((*SCHEDULE, *EVERY_15, "--timezone", ""), INPUT_ERROR, ("--timezone",)),
    ((*SCHEDULE, *EVERY_15, "--timezone", "Mars/Olympus"), INPUT_ERROR, ("--timezone", "Mars")),
    (
        (*SCHEDULE, *EVERY_15, "--timezone", "../../etc/passwd"),
        INPUT_ERROR,
        ("--timezone", "passwd"),
    ),
    ((*SCHEDULE, *EVERY_15, "--format", "bogus"), INPUT_ERROR, ("--format",)),
    ((*SCHEDULE, *EVERY_15, "--fail-on", "bogus"), INPUT_ERROR, ("--fail-on",)),
    (("schedule", "--baseline", "/dev/zero", *EVERY_15), INPUT_ERROR, ("/dev/zero",)),
    (("schedule", "--baseline", "missing.yaml", *EVERY_15), INPUT_ERROR, ("missing.yaml",)),
)

_ZONES = {zone.lower() for zone in zoneinfo.available_timezones()}
# Option values as a careless script passes them: anything printable, never a NUL.
arg_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30
)


@st.composite
def _generated(draw: st.DrawFn) -> Template:
    """An option given a value nobody thought of."""
    kind = draw(st.sampled_from(("format", "fail-on", "persona", "route", "timezone")))
    value = draw(arg_text)
    if kind == "format":
        value = draw(arg_text.filter(lambda v: v not in ("table", "json", "markdown", "html")))
        return (*RUN, "--format", value), INPUT_ERROR, ("--format",)
    if kind == "fail-on":
        levels = ("critical", "high", "medium", "low", "info", "none")
        value = draw(arg_text.filter(lambda v: v not in levels))
        return (*RUN, "--fail-on", value), ANY_EXIT, ("--fail-on",)
    if kind == "persona":
        return (*EXPLAIN, "--persona", value, "--route", "GET /items"), ANY_EXIT, ("--persona",)
    if kind == "route":
        route = draw(st.one_of(st.sampled_from(INVALID_ROUTES), arg_text))
        expect = INPUT_ERROR if route in INVALID_ROUTES else ANY_EXIT
        return (*EXPLAIN, "--persona", "default", "--route", route), expect, ("--route",)
    zone = draw(arg_text.filter(lambda v: v.lower() not in _ZONES and v.strip() != ""))
    return (*SCHEDULE, *EVERY_15, "--timezone", zone), INPUT_ERROR, ("--timezone",)


@st.composite
def cli_cases(draw: st.DrawFn, seeds: Seeds) -> Case:
    """Valid files, hostile arguments."""
    argv, expect, blame = draw(st.one_of(st.sampled_from(TEMPLATES), _generated()))
    files: tuple[tuple[str, Any], ...] = (
        (BASELINE_YAML, seeds.baseline_bytes()),
        (SNAPSHOT, seeds.snapshot_bytes()),
        (STATE, _state_bytes(seeds)),
        (f"{FOLDER}/.keep", b""),
    )
    return Case("cli", argv, files, expect, blame=blame, one_line=argv[:1] != ("validate",))


def _state_bytes(seeds: Seeds) -> bytes:
    import json

    return json.dumps(seeds.state).encode()
