"""The clock sweep every minute, in a daemon thread beside the task worker (`appealdesk worker`,
also the one `appealdesk serve` starts). Any number of workers may run it: the sweep claims its
work with conditional updates (`services.clocks_refresh`). `repeat` is the thread itself, also
used for the other rounds beside the worker (the e-mail digests)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import connections

log = logging.getLogger("appealdesk.sweep")


def repeat(
    name: str, every_seconds: float, work: Callable[[], object], logger: logging.Logger
) -> threading.Event:
    """Run `work` now and then every `every_seconds` in a daemon thread; set the returned event
    to stop. A round that fails is logged; the next one tries again (the worker must keep
    running)."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                work()
            except Exception:
                logger.exception("%s failed", name)
            finally:
                connections.close_all()
            if stop.wait(every_seconds):
                return

    threading.Thread(target=loop, name=name, daemon=True).start()
    return stop


def _sweep_once() -> None:
    from appealdesk.cases.services import clocks_sweep

    run = clocks_sweep()
    if any(v for k, v in run.counts.items() if k != "at_risk"):
        log.info("sweep: %s", run.counts)


def sweep_start(every_seconds: float) -> threading.Event:
    """Run `clocks_sweep` now and then every `every_seconds`; set the returned event to stop."""
    return repeat("clock-sweep", every_seconds, _sweep_once, log)
