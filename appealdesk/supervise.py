"""`appealdesk serve` with its task worker: two child processes, started and stopped together.

gunicorn serves; one `appealdesk worker` runs the task queue (webhook deliveries). A worker that
exits is started again after a pause; when gunicorn exits, or this process gets SIGINT or
SIGTERM, both are stopped. On Linux the children also get SIGTERM if this process dies without
cleaning up (PR_SET_PDEATHSIG), so no worker outlives its server.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

RESTART_AFTER_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 15.0


def _die_with_parent_hook() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)

    return hook


_PREEXEC = _die_with_parent_hook()


def _start(command: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(list(command), preexec_fn=_PREEXEC)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_together(web: Sequence[str], worker: Sequence[str], say: Callable[[str], Any]) -> int:
    """Run both until `web` exits or a stop signal comes; `web`'s exit code (0 when stopped)."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    web_process = _start(web)
    worker_process = _start(worker)
    restart_at: float | None = None
    try:
        while not stopping and web_process.poll() is None:
            if restart_at is None and worker_process.poll() is not None:
                say(
                    f"task worker exited with code {worker_process.returncode}; "
                    f"starting another in {RESTART_AFTER_SECONDS:.0f} s"
                )
                restart_at = time.monotonic() + RESTART_AFTER_SECONDS
            if restart_at is not None and time.monotonic() >= restart_at:
                worker_process, restart_at = _start(worker), None
            time.sleep(0.2)
    finally:
        _stop(worker_process)
        _stop(web_process)
    return 0 if stopping else (web_process.returncode or 0)
