"""What the draft leaves to a person (partial verdicts, unreached routes), and CLI behaviour."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.collect import AwsOptions, collect_snapshot
from auditor.commands.draft import draft_baseline
from auditor.commands.yaml_lines import scalar
from auditor.emulator.documents import invoke_named_api as invoke
from auditor.emulator.seed import (
    EnvironmentSpec,
    IdentityPoolSpec,
    RestApiSpec,
    RoleMappingSpec,
    RoleSpec,
    Seeded,
)
from auditor.model.baseline_file import load_baseline
from auditor.model.errors import InputError
from auditor.model.snapshot import ApiRef, PoolRef, Snapshot, TargetRef
from tests.support.aws import Aws
from tests.support.drafting import Cli, seed_app
from tests.support.findings import keys as findings
from tests.support.snapshots import small_app


def _default_role_app(
    aws: Aws, routes: dict[str, str], *grants: str, stages: tuple[str, ...] = ("prod",)
) -> Seeded:
    """One API and only a default role, allowed `grants` on the prod stage."""

    def spec() -> EnvironmentSpec:
        policy = invoke("files", "prod", *grants)
        return EnvironmentSpec(
            roles=[RoleSpec("app-default", inline={"p": policy})],
            identity_pool=IdentityPoolSpec(
                authenticated_role="app-default", mappings=[RoleMappingSpec(type="Token")]
            ),
        )

    return seed_app(aws, spec(), rest=[RestApiSpec("files", routes=routes, stages=list(stages))])


def test_partial_and_unreached_routes_are_comments_for_a_person(aws: Aws, tmp_path: Path) -> None:
    seeded = _default_role_app(
        aws,
        {"GET /files/{proxy+}": "AWS_IAM", "DELETE /files/{proxy+}": "AWS_IAM"},
        "GET/files/public/*",
    )
    cli = Cli(aws)
    out = tmp_path / "B.yaml"
    assert cli.init(seeded, out, "files:prod").exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert re.search(
        r"\n    # partial: GET /files/\{proxy\+\} \(only some paths; e\.g\. allowed "
        r"GET /files/public/\S*, denied GET /files/\S*\)\n",
        text,
    ), text
    assert "  # no persona reaches DELETE /files/{proxy+} (AWS_IAM)" in text
    baseline = load_baseline(out)
    assert baseline.routes.all_users == baseline.routes.default == []

    code, report = cli.audit(out)
    role = seeded.role_arns["app-default"]
    arn = f"arn:aws:execute-api:{aws.region}:{seeded.account_id}:{seeded.api_ids['files']}/*"
    # Exactly the two decisions left open: the partial route is reachable but undeclared, and
    # no pattern names either route yet.
    assert findings(report) == {
        ("excess-route", "default", "GET /files/{proxy+}", role),
        ("route-undeclared", None, "GET /files/{proxy+}", f"{arn}/GET/files/{{proxy+}}"),
        ("route-undeclared", None, "DELETE /files/{proxy+}", f"{arn}/DELETE/files/{{proxy+}}"),
    }
    assert code == 1


def test_a_route_reached_in_one_stage_only_is_partial(aws: Aws, tmp_path: Path) -> None:
    seeded = _default_role_app(aws, {"GET /items": "AWS_IAM"}, "GET/items", stages=("dev", "prod"))
    out = tmp_path / "B.yaml"
    assert Cli(aws).init(seeded, out, "files").exit_code == 0  # no stage: every stage
    text = out.read_text(encoding="utf-8")
    api = seeded.api_ids["files"]
    assert f"  - id: {api}  # every stage\n" in text
    assert f"# partial: GET /items ({api}/dev: denied; {api}/prod: allowed)" in text
    baseline = load_baseline(out)
    assert [(a.id, a.stage) for a in baseline.apis] == [(api, None)]
    assert baseline.routes.default == []


def test_refuses_to_overwrite_without_force(aws: Aws, tmp_path: Path) -> None:
    seeded = _default_role_app(aws, {"GET /items": "AWS_IAM"}, "GET/items")
    cli = Cli(aws)
    out = tmp_path / "B.yaml"
    out.write_text("keep me\n", encoding="utf-8")

    refused = cli.init(seeded, out, "files:prod")
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me\n"

    forced = cli.init(seeded, out, "files:prod", force=True)
    assert forced.exit_code == 0, forced.output
    assert [str(p) for p in load_baseline(out).routes.all_users] == ["GET /items"]
    assert f"wrote {out}" in forced.stderr


def test_quiet_drafts_without_a_word(aws: Aws, tmp_path: Path) -> None:
    seeded = _default_role_app(aws, {"GET /items": "AWS_IAM"}, "GET/items")
    out = tmp_path / "B.yaml"
    args = ["baseline", "init", "--user-pool", seeded.user_pool_id or ""]
    args += ["--identity-pool", seeded.identity_pool_id or "", "--api", seeded.api_ids["files"]]
    result = Cli(aws)("--quiet", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and load_baseline(out).routes.all_users


def test_without_output_the_draft_goes_to_stdout(aws: Aws) -> None:
    seeded = _default_role_app(aws, {"GET /items": "AWS_IAM"}, "GET/items")
    result = Cli(aws).init(seeded, None, "files:prod")
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["routes"]["all_users"] == ["GET /items"]


def test_same_snapshot_same_draft_online_or_offline(aws: Aws) -> None:
    seeded = _default_role_app(
        aws,
        {"GET /items": "AWS_IAM", "GET /b": "AWS_IAM", "POST /a": "AWS_IAM", "GET /health": "NONE"},
        "GET/items",
        "GET/b",
        "POST/a",
    )
    target = TargetRef(
        user_pool=PoolRef(id=seeded.user_pool_id),
        identity_pool=PoolRef(id=seeded.identity_pool_id),
        apis=[ApiRef(id=seeded.api_ids["files"], stage="prod")],
    )
    snapshot = collect_snapshot(target, AwsOptions(endpoint_url=aws.url))
    text = draft_baseline(snapshot)
    assert draft_baseline(Snapshot.from_json(snapshot.to_json())) == text
    assert f"read at {snapshot.collected_at}" in text
    assert yaml.safe_load(text)["routes"]["all_users"] == ["POST /a", "GET /b", "GET /items"]


def test_a_snapshot_without_pools_is_refused() -> None:
    target = TargetRef(user_pool=PoolRef(id="us-east-1_x"), identity_pool=PoolRef(id="x:y"))
    with pytest.raises(InputError, match="user_pool"):
        draft_baseline(Snapshot(region="us-east-1", target=target))


@given(st.one_of(st.text(), st.none(), st.booleans(), st.integers()))
def test_scalars_are_one_line_and_read_back_as_written(value: Any) -> None:
    text = scalar(value)
    assert len(text.splitlines()) == 1 and not any(b in text for b in "\x85\u2028\u2029")
    assert yaml.safe_load(f"k: {text}") == {"k": value}
    assert yaml.safe_load(f"a:\n  b:\n    - {text}  # note\n") == {"a": {"b": [value]}}
    if isinstance(value, str):  # group names are mapping keys
        assert yaml.safe_load(f"g:\n  {text}:\n    x: 1\n") == {"g": {value: {"x": 1}}}


def test_a_route_nobody_can_judge_is_a_comment_neither_declared_nor_left_out() -> None:
    app = small_app()
    document = {"Version": "2012-10-17", "Statement": "Allow everything"}  # cannot be read
    app.role("app-editors")["inline_policies"].append({"name": "junk", "document": document})
    draft = draft_baseline(Snapshot.model_validate(app.snapshot))
    editors = draft[draft.index("  editors:") :]
    assert re.search(r"# unknown: GET /me \(cannot be judged: .*'app-editors/junk'", editors)
    routes = yaml.safe_load(draft)["groups"]["editors"]["routes"]
    assert "GET /me" not in routes and "GET /administrators" not in routes
    assert "GET /items" not in yaml.safe_load(draft)["routes"]["all_users"]  # unknown for them
