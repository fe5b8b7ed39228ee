"""Prometheus metrics (prometheus-client): the request latency histogram, observed by
`RequestIdMiddleware` in each web process, and the product's gauges, read from the database at
each scrape (`gauges`), so every web server answers the same figures.

gunicorn runs several processes: with `PROMETHEUS_MULTIPROC_DIR` set (an empty folder, cleared
at each start; docs/deploy.md) every process writes its histogram there and a scrape sums them;
without it a scrape sees the process that answered it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

REQUEST_SECONDS = Histogram(
    "appealdesk_request_seconds",
    "Time to answer a request (to the first byte of a streamed export), by URL pattern",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


class ProductCollector(Collector):
    """The task queue, the sweep, the clocks and the mailroom, as they are at the scrape."""

    def collect(self) -> Iterator[Metric]:
        from django.utils import timezone

        from appealdesk.ops import gauges

        now = timezone.now()
        queue = gauges.task_queue(now)
        yield GaugeMetricFamily(
            "appealdesk_task_queue_depth", "Tasks ready to run now", value=queue.depth
        )
        yield GaugeMetricFamily(
            "appealdesk_task_queue_oldest_seconds",
            "Seconds the oldest ready task has waited (0 when none)",
            value=queue.oldest_age,
        )
        lag = gauges.sweep_lag(now)
        yield GaugeMetricFamily(
            "appealdesk_sweep_lag_seconds",
            "Seconds since the clock sweep last finished (it runs every minute; -1 before the "
            "first sweep)",
            value=-1.0 if lag is None else lag,
        )
        clocks = gauges.clocks(now)
        yield GaugeMetricFamily(
            "appealdesk_clocks_at_risk",
            "Open clocks past their at-risk point",
            value=clocks.at_risk,
        )
        yield GaugeMetricFamily(
            "appealdesk_clocks_overdue_unmarked",
            "Open clocks past due that no sweep has marked missed yet (a sweep behind)",
            value=clocks.overdue_unmarked,
        )
        yield GaugeMetricFamily(
            "appealdesk_clocks_missed", "Clocks marked missed, all time", value=clocks.missed
        )
        mailroom = gauges.mailroom(now)
        waiting = GaugeMetricFamily(
            "appealdesk_mailroom_backlog", "Mailroom items not done, by state", labels=["state"]
        )
        for state, count in mailroom.waiting.items():
            waiting.add_metric([state], count)
        yield waiting
        yield GaugeMetricFamily(
            "appealdesk_mailroom_oldest_seconds",
            "Seconds since the oldest item not done was received (0 when none)",
            value=mailroom.oldest_age,
        )


def exposition() -> tuple[bytes, str]:
    """The text format of every metric: (body, content type)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY  # this process's histogram (and prometheus-client's own metrics)
    product = CollectorRegistry()
    product.register(ProductCollector())
    # the text format is a list of metric families: two lists of distinct names make one
    return generate_latest(processes) + generate_latest(product), CONTENT_TYPE_LATEST
