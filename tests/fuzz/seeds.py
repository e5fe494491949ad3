"""Valid starting inputs, made by the product itself so they stay valid as it evolves.

`auditor demo --keep DIR` writes a baseline and the snapshot it audits; one offline run with
`--state` then writes a valid state file. Every fuzz case mutates copies of these.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.fuzz.runner import fuzz_env


@dataclass(frozen=True)
class Seeds:
    baseline: dict[str, Any]  # the demo's baseline.yaml, parsed
    snapshot: dict[str, Any]  # the snapshot that baseline audits
    state: dict[str, Any]  # the state file a run of the two writes

    def snapshot_bytes(self) -> bytes:
        return json.dumps(self.snapshot, indent=1).encode()

    def baseline_bytes(self) -> bytes:
        return yaml.safe_dump(self.baseline, sort_keys=False).encode()


def make_seeds(folder: Path) -> Seeds:
    """Run the demo into `folder` (once per session or benchmark) and read what it wrote."""
    folder.mkdir(parents=True, exist_ok=True)
    baseline, snapshot, state = (folder / n for n in ("baseline.yaml", "snapshot.json", "state"))
    if not state.exists():
        _auditor(folder, "demo", "--keep", str(folder), "-o", str(folder / "demo.json"))
        _auditor(
            folder,
            *("run", "--baseline", str(baseline), "--snapshot", str(snapshot)),
            *("--state", str(state), "-o", str(folder / "run.json")),
        )
    return Seeds(
        baseline=yaml.safe_load(baseline.read_text()),
        snapshot=json.loads(snapshot.read_text()),
        state=json.loads(state.read_text()),
    )


def _auditor(cwd: Path, *argv: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "auditor", *argv],
        cwd=cwd,
        env=fuzz_env(cwd),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode not in (0, 1):  # the demo has drift on purpose: 1 is its success
        raise RuntimeError(f"seeding failed: auditor {' '.join(argv)}: {done.stderr[-2000:]}")
