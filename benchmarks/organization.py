"""Benchmark: `auditor run --targets` over an emulated organization (CONTRACT §6.4).

ACCOUNTS emulated accounts x 2 regions (200 x 2 by hand; --small: 4 x 2 for CI), each target a
realistic pool: 20 groups, 3 REST APIs of 30 routes, the identity pool and the group roles,
with a few drifts (every fifth group's role reaches one route more than the baseline says).
Each account holds the read-only auditor role, trusting the central account with an external
id; every target is reached through STS AssumeRole, as in a real organization.

The emulator runs in a SEPARATE process (this script, `--serve`), with a fixed delay per
request (--latency, default 0.1 s: a Cognito or API Gateway control-plane read from another
region takes 50-150 ms; the delay is what makes collection I/O-bound, as on AWS). In-process,
moto's CPU would fight the runner for the GIL and measure neither.

It measures the run with --workers (default 16) and the same targets one after another
(--workers 1): wall time, AWS calls (total, and per target, which must equal the calls of
the same target audited alone: asserted), peak memory of the run (VmHWM of the `auditor`
process), and the speed-up. It also times one target's collection against its audit, to say
whether auditing in a process pool would pay.

    python benchmarks/organization.py [--small] [--accounts 200] [--latency 0.1] [--workers 16]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from auditor.emulator.app import App, AppGroup, seed_thread_app
from auditor.emulator.documents import invoke_named_api
from auditor.emulator.seed import RestApiSpec, seed
from auditor.emulator.spec import EnvironmentSpec

CENTRAL_ACCOUNT = "123456789012"  # the emulator's default: the runner's own credentials
EXTERNAL_ID = "bench-external-id"
REGIONS = ("us-east-1", "eu-west-1")
GROUPS, APIS, ROUTES = 20, 3, 30
VERBS = ("GET", "POST", "PUT", "DELETE", "PATCH")
DRIFT_EVERY = 5  # every fifth group's role reaches one route beyond the baseline


def build_app() -> App:
    """20 groups (the app's admin and editors and 18 more), 3 REST APIs of 30 routes."""
    app = seed_thread_app("org", rest_api="api0")
    first = app.rest_api("api0")
    routes = {f"{verb} /res{i}": "AWS_IAM" for i in range(ROUTES // len(VERBS)) for verb in VERBS}
    first.routes = dict(list({**first.routes, **routes}.items())[:ROUTES])
    for k in range(1, APIS):
        app.rest_apis.append(RestApiSpec(f"api{k}", routes=dict(routes)))
    # Every route is someone's: the admins reach them all (on every API, as patterns do).
    app.group("admin").routes += list(routes)
    app.groups += [
        AppGroup(f"g{i:02}", precedence=100 + i, routes=[f"GET /res{i % (ROUTES // 5)}"])
        for i in range(GROUPS - len(app.groups))
    ]
    return app


def build_spec(app: App, suffix: str) -> EnvironmentSpec:
    """What is live in one region: the app with its drifts. IAM is global to the account, so
    the roles and policies of the second region carry its suffix."""
    spec = copy.deepcopy(app.spec())
    for i, group in enumerate(spec.user_pool.groups if spec.user_pool else []):
        if i % DRIFT_EVERY == 0 and group.role:
            extra = invoke_named_api("api1", "prod", f"DELETE/res{i % 6}")
            spec.role(group.role).inline["drift"] = extra
    if not suffix:
        return spec
    names = {role.name: role.name + suffix for role in spec.roles}
    names |= {policy.name: policy.name + suffix for policy in spec.managed_policies}
    for policy in spec.managed_policies:
        policy.name = names[policy.name]
    for role in spec.roles:
        role.name = names[role.name]
        role.managed = [names.get(m, m) for m in role.managed]
        role.boundary = names.get(role.boundary, role.boundary) if role.boundary else None
    if spec.user_pool:
        for group in spec.user_pool.groups:
            group.role = names.get(group.role, group.role) if group.role else None
    if spec.identity_pool:
        pool = spec.identity_pool
        pool.authenticated_role = names.get(pool.authenticated_role or "", pool.authenticated_role)
        pool.unauthenticated_role = (
            names.get(pool.unauthenticated_role, pool.unauthenticated_role)
            if pool.unauthenticated_role
            else None
        )
        for mapping in pool.mappings:
            for rule in mapping.rules:
                rule.role = names.get(rule.role, rule.role)
    return spec


# --- the emulator, in a process of its own ----------------------------------------------------


def serve() -> None:
    """`--serve`: the emulator until stdin closes, driven by one command per stdin line
    (`latency SECONDS`, `clear`, `ops`: the calls since the last clear, one JSON line)."""
    from auditor.emulator import EmulatorServer

    server = EmulatorServer().start()
    print(server.url, flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        if command == "latency":
            server.inject_latency(float(argument))
        elif command == "clear":
            server.clear_operations()
        elif command == "ops":
            print(json.dumps(server.operations()), flush=True)
        print("ok", flush=True)
    server.stop()


class Emulator:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=aws_env(""),
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def command(self, line: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = ""
        while (read := self.process.stdout.readline().strip()) != "ok":
            answer = read
        return answer

    def operations(self) -> Counter[str]:
        return Counter(json.loads(self.command("ops")))

    def cpu_seconds(self) -> float:
        """CPU the emulator's process has used (Linux /proc), to tell whose core is busy."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


def aws_env(url: str) -> dict[str, str]:
    """Fake keys, no AWS configuration of this machine, every call to the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if url:
        env["AWS_ENDPOINT_URL"] = url
    return env


# --- the organization -------------------------------------------------------------------------


def account_session(account_id: str, region: str) -> Any:
    """A session acting in `account_id` (moto's x-moto-account-id header)."""
    import boto3

    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )

    def add_header(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account_id

    session.events.register("before-sign.*.*", add_header)
    return session


def account_ids(count: int) -> list[str]:
    return [f"{200000000000 + i:012d}" for i in range(count)]


def seed_account(url: str, account: str, folder: Path, app: App) -> None:
    """The auditor role, then the app in each region, each with its baseline."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.support.accounts import create_auditor_role

    create_auditor_role(
        account_session(account, REGIONS[0]), CENTRAL_ACCOUNT, EXTERNAL_ID, endpoint_url=url
    )
    for index, region in enumerate(REGIONS):
        suffix = f"-r{index}" if index else ""
        seeded = seed(build_spec(app, suffix), account_session(account, region), endpoint_url=url)
        # The baseline names the roles by the app's names: the second region's carry a suffix.
        named = {
            name.removesuffix(suffix) if suffix else name: arn
            for name, arn in seeded.role_arns.items()
        }
        baseline = app.baseline(replace(seeded, role_arns=named))
        path = folder / "baselines" / f"{account}-{region}.yaml"
        path.write_text(yaml.safe_dump(baseline, sort_keys=False), encoding="utf-8")


def write_targets(folder: Path, accounts: list[str], name: str = "targets.yaml") -> Path:
    data = {
        "version": 1,
        "defaults": {
            "role_name": "cognito-route-auditor",
            "external_id": EXTERNAL_ID,
            "baseline": "baselines/{account_id}-{region}.yaml",
            "regions": list(REGIONS),
        },
        "targets": [{"name": f"acct-{i:03}", "account_id": a} for i, a in enumerate(accounts)],
    }
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    workers: int
    seconds: float
    calls: int
    targets: int
    complete: int
    findings: int
    peak_mib: float
    cpu_seconds: float  # of the run's process
    emulator_cpu_seconds: float  # of the emulator's, meanwhile


def run_targets(emulator: Emulator, targets: Path, workers: int, out: Path) -> Run:
    emulator.command("clear")
    emulator_cpu = emulator.cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource, sys\n"
            "from auditor.cli import main\n"
            "try:\n    main()\n"
            "finally:\n"
            "    use = resource.getrusage(resource.RUSAGE_SELF)\n"
            "    cpu = use.ru_utime + use.ru_stime\n"
            # VmHWM, not ru_maxrss: Linux carries the forking parent's size into the latter.
            "    status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
            "    sys.stderr.write(f'peak-kib {status} cpu {cpu}\\n')\n",
            "run",
            "--targets",
            str(targets),
            "--workers",
            str(workers),
            "--fail-on",
            "none",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=aws_env(emulator.url),
        check=False,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    emulator_cpu = emulator.cpu_seconds() - emulator_cpu
    calls = sum(emulator.operations().values())
    if done.returncode != 0:
        raise SystemExit(f"run --targets exited {done.returncode}: {done.stderr[-3000:]}")
    usage = next(line.split() for line in done.stderr.splitlines() if line.startswith("peak-kib"))
    peak, cpu = int(usage[1]), float(usage[3])
    report = json.loads(out.read_text())
    summary = report["summary"]
    return Run(
        workers=workers,
        seconds=seconds,
        calls=calls,
        targets=summary["targets"],
        complete=summary["complete"],
        findings=summary["findings"],
        peak_mib=peak / 1024,
        cpu_seconds=cpu,
        emulator_cpu_seconds=emulator_cpu,
    )


def collect_against_audit(url: str, folder: Path, account: str) -> tuple[float, float]:
    """One target's collection (with the emulator's delay) and its audit, in seconds: the
    audit's share says whether a process pool for it would pay."""
    from auditor.checks.run import audit
    from auditor.collect import AwsOptions, collect_snapshot
    from auditor.commands.run import target_of
    from auditor.model.baseline_file import load_baseline

    os.environ.update(aws_env(url))
    baseline = load_baseline(folder / "baselines" / f"{account}-{REGIONS[0]}.yaml")
    options = AwsOptions(
        region=REGIONS[0],
        endpoint_url=url,
        retry_mode="adaptive",
        role_arn=f"arn:aws:iam::{account}:role/cognito-route-auditor",
        external_id=EXTERNAL_ID,
    )
    started = time.perf_counter()
    snapshot = collect_snapshot(target_of(baseline), options)
    collected = time.perf_counter() - started
    started = time.perf_counter()
    audit(snapshot, baseline)
    return collected, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--small", action="store_true", help="4 accounts x 2 regions (CI)")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    count = 4 if args.small else args.accounts
    emulator = Emulator()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report(emulator, Path(tmp), count, args.latency, args.workers)
    finally:
        emulator.stop()


def report(emulator: Emulator, folder: Path, count: int, latency: float, workers: int) -> None:
    (folder / "baselines").mkdir()
    accounts = account_ids(count)
    app = build_app()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        for done in [pool.submit(seed_account, emulator.url, a, folder, app) for a in accounts]:
            done.result()
    seeding = time.perf_counter() - started
    print(f"seeded {count} accounts x {len(REGIONS)} regions in {seeding:.0f} s (8 threads)")

    emulator.command(f"latency {latency}")
    one = run_targets(
        emulator, write_targets(folder, accounts[:1], "one.yaml"), 1, folder / "one.json"
    )
    per_target = one.calls / one.targets
    collected, audited = collect_against_audit(emulator.url, folder, accounts[0])
    runs = [
        run_targets(emulator, write_targets(folder, accounts), w, folder / f"w{w}.json")
        for w in (workers, 1)
    ]
    for run in runs:
        assert run.targets == count * len(REGIONS) and run.complete == run.targets, run
        # Concurrency and the rate limiter add no call: each target costs what it costs alone.
        assert run.calls == per_target * run.targets, (run.calls, per_target, run.targets)
    parallel, sequential = runs
    print(
        f"\n{count} accounts x {len(REGIONS)} regions = {parallel.targets} targets, "
        f"{latency * 1000:.0f} ms per request, {os.cpu_count()} cores"
    )
    print(
        f"one target: collect {collected:.2f} s, audit {audited * 1000:.0f} ms "
        f"({audited / (collected + audited):.1%} of it)"
    )
    header = ["workers", "wall s", "run cpu s", "emulator cpu", "calls", "calls/target"]
    header += ["findings", "peak MiB"]
    print("".join(f"{name:>13}" for name in header))
    for run in runs:
        per = run.calls / run.targets
        cells = [run.workers, f"{run.seconds:.1f}", f"{run.cpu_seconds:.1f}"]
        cells += [f"{run.emulator_cpu_seconds:.1f}", run.calls]
        cells += [f"{per:.1f}", run.findings]
        cells.append(f"{run.peak_mib:.0f}")
        print("".join(f"{cell:>13}" for cell in cells))
    print(f"speed-up over sequential: {sequential.seconds / parallel.seconds:.1f}x")


if __name__ == "__main__":
    main()
