"""The mailroom beside the task worker: every minute, poll the mailboxes, read what a lost task
left unread, and warn about items left unprocessed. Any number of workers may run it: items are
stored once (unique content and source id) and claimed with conditional updates."""

from __future__ import annotations

import logging
import threading

from django.db import connections

log = logging.getLogger("appealdesk.mailroom")


def mailroom_round() -> None:
    from appealdesk.mailroom.imap import poll_all
    from appealdesk.mailroom.reader import items_read_pending
    from appealdesk.mailroom.sweep import items_warn_unprocessed

    for name, outcome in poll_all().items():
        if isinstance(outcome, str):
            log.error("mailbox %s: %s", name, outcome)
        elif outcome.stored or outcome.refused:
            log.info("mailbox %s: %s", name, outcome)
    items_read_pending()
    items_warn_unprocessed()


def mailroom_start(every_seconds: float) -> threading.Event:
    """Run a mailroom round now and then every `every_seconds`; set the returned event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                mailroom_round()
            except Exception:  # the next round tries again; the worker must keep running
                log.exception("the mailroom round failed")
            finally:
                connections.close_all()
            if stop.wait(every_seconds):
                return

    threading.Thread(target=loop, name="mailroom", daemon=True).start()
    return stop
