"""A sender killed between claiming a message and the provider's answer: the message still
goes out (at least once), with the same Message-ID every time."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.procs import PYTHON, ROOT, migrated_sqlite, run_script, sqlite_env, wait_for

SENDER = Path(__file__).with_name("sender.py")


def killed_mid_send(env: dict[str, str], mark: Path, *args: str) -> None:
    hanging = {**env, "EMAIL_BACKEND": "tests.faults.backends.HangingBackend"}
    proc = subprocess.Popen([PYTHON, str(SENDER), *args], cwd=ROOT, env=hanging,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: mark.exists() or proc.poll() is not None, timeout=120,
                 what="the sender to reach the mail server")
        assert mark.exists(), proc.stderr.read().decode()[-2000:]
    finally:
        proc.kill()
        proc.wait(timeout=30)
    mark.unlink()


def test_email_and_receipt_go_out_after_their_sender_was_killed(tmp_path: Path) -> None:
    sent_log, mark = tmp_path / "sent.log", tmp_path / "claimed"
    env = sqlite_env(migrated_sqlite(tmp_path), SEND_LEASE_SECONDS="2",
                     CLAIM_MARK=str(mark), SENT_LOG=str(sent_log),
                     EMAIL_BACKEND="tests.faults.backends.FileLogBackend")
    ids = json.loads(run_script(env, SENDER, "setup"))
    killed_mid_send(env, mark, "send", str(ids["delivery"]))
    killed_mid_send(env, mark, "receipt", str(ids["donation"]))
    assert not sent_log.exists()  # nothing reached the provider

    def swept() -> bool:  # the leases (2 s here) run out, then the sweep sends both
        run_script(env, SENDER, "sweep")
        return sent_log.exists() and len(sent_log.read_text().splitlines()) >= 2

    wait_for(swept, timeout=120, what="the sweep to send both", every=1)
    lines = sorted(sent_log.read_text().splitlines())
    assert lines[0].startswith(f"<delivery-{ids['delivery']}.event-")
    assert lines[0].endswith("@localhost> ana@example.org")
    assert lines[1] == f"<receipt-{ids['donation']}@localhost> donor@example.org"
    run_script(env, SENDER, "sweep")  # and once sent, never again
    assert len(sent_log.read_text().splitlines()) == 2
