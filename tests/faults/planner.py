"""The planner fault test's processes.

    python tests/faults/planner.py start          -> run id (a coordinator asks to plan)
    python tests/faults/planner.py hang RUN_ID    (a worker that stops inside the solver)
    python tests/faults/planner.py periodic       (run_periodic's resume, tasks run at once)
    python tests/faults/planner.py status RUN_ID  -> {"status", "attempts"}
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import django

django.setup()

from django.utils import timezone  # noqa: E402

from tests import factories as f  # noqa: E402
from transport import planner  # noqa: E402
from transport.models import PlanRun  # noqa: E402
from transport.services import plan_run_execute, plan_run_start, plan_runs_resume  # noqa: E402

# A week ahead: a day the coordinator may plan whatever the clock says (past days and days
# beyond the sessions' horizon are refused).
DAY = timezone.now().date() + dt.timedelta(days=7)


def start() -> int:
    coordinator = f.make_coordinator("coord")
    return plan_run_start(actor=coordinator, day=DAY).pk


def hang(run_id: int) -> None:
    def stuck(*args: object, **kwargs: object) -> object:
        Path(os.environ["CLAIM_MARK"]).touch()
        time.sleep(600)
        raise AssertionError("not reached")

    planner.solve_built = stuck
    plan_run_execute(run_id=run_id)


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "start":
        print(json.dumps(start()))
    elif command == "hang":
        hang(int(args[0]))
    elif command == "periodic":
        print(json.dumps(plan_runs_resume()))
    else:
        run = PlanRun.objects.get(pk=int(args[0]))
        print(json.dumps({"status": run.status, "attempts": run.attempts,
                          "lease_left": (run.lease_until - timezone.now()).total_seconds()
                          if run.lease_until else None}))


if __name__ == "__main__":
    main()
