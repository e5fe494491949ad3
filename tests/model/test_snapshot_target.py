"""An offline snapshot that does not hold what its target names, with no failed read to say
why, is an input error (exit 2), never an audit of nothing that reads as no drift."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.checks.run import check_snapshot_matches
from auditor.model.baseline import Baseline
from auditor.model.errors import InputError
from auditor.model.snapshot import Api, ApiRef, CollectionError, Snapshot
from tests.support.cli import subprocess_cli
from tests.support.snapshots import SmallApp, small_app


def _failed(service: str) -> CollectionError:
    return CollectionError(service=service, operation="Read", message="AccessDenied")


def _without(snapshot: Snapshot, **changes: object) -> Snapshot:
    return snapshot.model_copy(update=changes)


def _models(app: SmallApp) -> tuple[Snapshot, Baseline]:
    return Snapshot.model_validate(app.snapshot), Baseline.model_validate(app.baseline)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"user_pool": None}, "user_pool", "the snapshot has no user pool (us-east-1_AbCdEf012)"),
        ({"identity_pool": None}, "identity_pool", "the snapshot has no identity pool"),
        ({"apis": []}, "target.apis.0", "the snapshot has no API api1:prod although its target"),
        (
            {"user_pool": None, "identity_pool": None, "roles": {}, "apis": []},
            "user_pool",
            "no failed read says why",
        ),
    ],
)
def test_an_empty_target_is_an_input_error(
    changes: dict[str, object], field: str, message: str
) -> None:
    snapshot, baseline = _models(small_app())
    with pytest.raises(InputError) as caught:
        check_snapshot_matches(_without(snapshot, **changes), baseline, "s.json")
    assert (caught.value.source, caught.value.field) == ("s.json", field)
    assert message in caught.value.problem


@pytest.mark.parametrize(
    ("changes", "service"),
    [
        ({"user_pool": None}, "cognito-idp"),
        ({"identity_pool": None}, "cognito-identity"),
        ({"apis": []}, "apigateway"),
        ({"apis": []}, "apigatewayv2"),
        ({"user_pool": None}, "a service nobody knows"),  # may hide anything
    ],
)
def test_a_failed_read_explains_what_is_missing(changes: dict[str, object], service: str) -> None:
    snapshot, baseline = _models(small_app())
    snapshot = _without(snapshot, **changes, errors=[_failed(service)])
    check_snapshot_matches(snapshot, baseline, "s.json")  # incomplete, not refused


def test_an_api_by_name_is_held_when_one_has_that_name() -> None:
    snapshot, baseline = _models(small_app())
    api = snapshot.apis[0]
    renamed = snapshot.target.model_copy(update={"apis": [ApiRef(name=api.name)]})
    check_snapshot_matches(_without(snapshot, target=renamed), baseline, "s.json")
    other = Api(id="other1", name="other", kind="HTTP")
    with pytest.raises(InputError) as caught:
        check_snapshot_matches(_without(snapshot, target=renamed, apis=[other]), baseline, "s")
    assert caught.value.problem.startswith(f"the snapshot has no API name={api.name} ")


def test_auditor_run_on_an_empty_snapshot_is_exit_2(tmp_path: Path) -> None:
    app = small_app()
    full, _ = _models(app)
    empty = _without(full, user_pool=None, identity_pool=None, roles={}, apis=[])
    snapshot, baseline = tmp_path / "s.json", tmp_path / "b.yaml"
    snapshot.write_text(empty.to_json())
    baseline.write_text(yaml.safe_dump(app.baseline))
    result = subprocess_cli(["run", "--baseline", str(baseline), "--snapshot", str(snapshot)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"auditor: error: {snapshot}: user_pool: the snapshot has no user pool "
        "(us-east-1_AbCdEf012) and no failed read says why"
    ]
