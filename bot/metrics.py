"""What an operator watches, in Prometheus' text format: counters per bot, histograms of how
late deliveries go out and how long handlers take, and the queue's depth at the latest tick.

One registry per running app (not prometheus_client's global one), so that several apps in one
process (tests, a multi-bot deployment's tools) each count their own. Served on /metrics by the
webhook server, and in polling mode on METRICS_PORT (127.0.0.1 unless METRICS_HOST says
otherwise): the figures are operational, but keep them off the public internet all the same.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created: noise

# from a message sent on time to one held back for the morning window
LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800)
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry(auto_describe=True)

        def per_bot(name: str, what: str) -> Counter:
            return Counter(name, what, ["bot"], registry=registry)

        self.updates_handled = per_bot("refleks_updates_handled", "updates handled, once each")
        self.messages_sent = per_bot("refleks_messages_sent", "deliveries sent to Telegram")
        self.rate_limited = per_bot("refleks_rate_limited", "429 answers from Telegram")
        self.blocked = per_bot("refleks_blocked", "403 answers: a member blocked the bot")
        self.retries = per_bot("refleks_retries", "deliveries put back to try again later")
        self.answers_stored = per_bot("refleks_answers_stored", "anonymous answers stored")
        self.updates_dropped = per_bot(
            "refleks_updates_dropped", "updates dropped by the per-chat inbound limit (floods)"
        )
        self.delivery_lag = Histogram(
            "refleks_delivery_lag_seconds",
            "how long after its due time a delivery went out",
            ["bot"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.handler_seconds = Histogram(
            "refleks_handler_seconds",
            "time to handle one update, database work included",
            ["bot"],
            buckets=HANDLER_BUCKETS,
            registry=registry,
        )
        self.queue_depth = Gauge(
            "refleks_queue_depth",
            "deliveries due and not yet sent, counted at the latest tick",
            registry=registry,
        )

    @staticmethod
    def total(counter: Counter) -> float:
        """A counter summed over its bots."""
        return sum(
            sample.value
            for family in counter.collect()
            for sample in family.samples
            if sample.name.endswith("_total")
        )

    def prometheus(self) -> bytes:
        return generate_latest(self.registry)


def metrics_response(metrics: Metrics) -> web.Response:
    response = web.Response(body=metrics.prometheus())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


async def serve_metrics(metrics: Metrics, host: str, port: int) -> web.AppRunner:
    """A small HTTP server with /metrics alone, for polling mode."""

    async def handle(_: web.Request) -> web.Response:
        return metrics_response(metrics)

    web_app = web.Application()
    web_app.router.add_get("/metrics", handle)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
