"""What a delivery is: its kinds, the plain record the queue hands out, and the one
constructor of a step's delivery (its dedupe key is what sends a step exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class Kind:
    STEP = "step"
    REMINDER = "reminder"
    KICKOFF = "kickoff"
    LEADER_SUMMARY = "summary"
    STAFF_SUMMARY = "staff_summary"
    CHAT_SUMMARY = "chat_summary"
    NOTE = "note"


def step_key(rollout_id: int, step_id: str, member_id: int) -> str:
    return f"step:{rollout_id}:{step_id}:{member_id}"


def step_delivery(
    *,
    rollout_id: int,
    step_id: str,
    member_id: int,
    chat_id: int,
    group_id: int,
    week: date | None,
    due_at: datetime,
) -> dict[str, Any]:
    """A step's delivery row, the one way it is made: its dedupe key sends a step once per
    member and rollout, whether the clock owes it or /today and catch-up send it now."""
    return {
        "kind": Kind.STEP,
        "dedupe_key": step_key(rollout_id, step_id, member_id),
        "chat_id": chat_id,
        "member_id": member_id,
        "group_id": group_id,
        "rollout_id": rollout_id,
        "step_id": step_id,
        "week": week,
        "due_at": due_at,
    }


@dataclass(frozen=True)
class Delivery:
    id: int
    kind: str
    chat_id: int
    member_id: int | None
    group_id: int | None
    rollout_id: int | None
    step_id: str | None
    week: date | None
    status: str
    due_at: datetime
    attempts: int
    sent_at: datetime | None
    message_id: int | None
    parts_sent: int = 0
