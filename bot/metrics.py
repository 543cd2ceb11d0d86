"""Counters the webhook's /metrics serves in Prometheus' text format."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class Metrics:
    updates_handled: int = 0
    messages_sent: int = 0
    rate_limited: int = 0  # 429s from Telegram
    blocked: int = 0  # 403s from Telegram
    retries: int = 0
    answers_stored: int = 0
    delivery_lag_seconds: float = 0.0  # the latest delivery's delay behind its due time
    _lags: list[float] = field(default_factory=list, repr=False)

    def observe_lag(self, seconds: float) -> None:
        self.delivery_lag_seconds = max(0.0, seconds)

    def prometheus(self) -> str:
        lines = []
        for f in fields(self):
            if f.name.startswith("_"):
                continue
            value = getattr(self, f.name)
            kind = "gauge" if f.name == "delivery_lag_seconds" else "counter"
            name = f"refleks_{f.name}" + ("_total" if kind == "counter" else "")
            lines += [f"# TYPE {name} {kind}", f"{name} {value}"]
        return "\n".join(lines) + "\n"
