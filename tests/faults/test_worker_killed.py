"""A worker killed in the middle of planning a day: `run_periodic` hands the run to another
worker once its lease runs out, and the run finishes (once); a re-plan asked meanwhile
never waits on the dead one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.procs import PYTHON, ROOT, migrated_sqlite, run_script, sqlite_env, wait_for

PLANNER = Path(__file__).with_name("planner.py")


def test_a_plan_whose_worker_was_killed_mid_plan_finishes_once(tmp_path: Path) -> None:
    mark = tmp_path / "solving"
    # Tasks run where they are enqueued (no db_worker here); short solver and lease.
    env = sqlite_env(migrated_sqlite(tmp_path), CLAIM_MARK=str(mark),
                     TASKS_BACKEND="django.tasks.backends.immediate.ImmediateBackend",
                     TRANSPORT_SOLVER_SECONDS="1", TRANSPORT_PLAN_LEASE_SECONDS="2")
    queued_env = {**env, "TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend"}
    run_id = json.loads(run_script(queued_env, PLANNER, "start"))

    worker = subprocess.Popen([PYTHON, str(PLANNER), "hang", str(run_id)], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: mark.exists() or worker.poll() is not None, timeout=120,
                 what="the worker to start solving")
        assert mark.exists(), worker.stderr.read().decode()[-2000:]
    finally:
        worker.kill()
        worker.wait(timeout=30)

    def status() -> dict:
        return json.loads(run_script(env, PLANNER, "status", str(run_id)))

    assert status()["status"] == "running"  # what the board showed forever before

    def resumed() -> bool:  # run_periodic's resume, once the dead worker's lease ran out
        run_script(env, PLANNER, "periodic")
        return status()["status"] == "done"

    wait_for(resumed, timeout=120, what="the run to be resumed and finish", every=1)
    assert status()["attempts"] == 2
    assert json.loads(run_script(env, PLANNER, "periodic")) == 0  # nothing left to resume
