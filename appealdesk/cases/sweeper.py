"""The clock sweep every minute, in a daemon thread beside the task worker (`appealdesk worker`,
also the one `appealdesk serve` starts). Any number of workers may run it: the sweep claims its
work with conditional updates (`services.clocks_refresh`)."""

from __future__ import annotations

import logging
import threading

from django.db import connections

log = logging.getLogger("appealdesk.sweep")


def sweep_start(every_seconds: float) -> threading.Event:
    """Run `clocks_sweep` now and then every `every_seconds`; set the returned event to stop."""
    stop = threading.Event()

    def loop() -> None:
        from appealdesk.cases.services import clocks_sweep

        while True:
            try:
                run = clocks_sweep()
                if any(v for k, v in run.counts.items() if k != "at_risk"):
                    log.info("sweep: %s", run.counts)
            except Exception:  # the next round tries again; the worker must keep running
                log.exception("the clock sweep failed")
            finally:
                connections.close_all()
            if stop.wait(every_seconds):
                return

    threading.Thread(target=loop, name="clock-sweep", daemon=True).start()
    return stop
