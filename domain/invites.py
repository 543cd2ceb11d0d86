"""When an invite link may still be used."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.model import Invite, Role

INVITE_CODE_MAX = 64  # what Telegram's /start parameter can carry

# Sock puppets: the threshold counts Telegram accounts, so a link that anyone can use forever
# lets one person join with several. Unless the admin says otherwise, a link expires and has a
# number of uses sized to a group (a school's staff; a leader link, the leadership).
DEFAULT_EXPIRY_DAYS = 14
DEFAULT_MAX_USES = {Role.STAFF: 60, Role.LEADER: 5}
JOIN_WEEKS_SHOWN = 6  # admins see how many joined each of the last weeks


def default_limits(role: Role) -> tuple[int, int]:
    """(uses, days) of a link made without limits given."""
    return DEFAULT_MAX_USES[role], DEFAULT_EXPIRY_DAYS


def joins_per_week(joined: list[date], today: date, weeks: int = JOIN_WEEKS_SHOWN) -> list[int]:
    """How many joined in each of the last `weeks` ISO weeks, the current week last: a burst of
    new accounts stands out. Counts only; never who."""
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    counts = [0] * weeks
    for day in joined:
        if first <= day <= today:
            counts[(day - first).days // 7] += 1
    return counts


class InviteProblem(StrEnum):
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED_UP = "used_up"


def invite_problem(invite: Invite | None, now: datetime) -> InviteProblem | None:
    """Why the invite cannot be used at `now`, or None when it can."""
    if invite is None:
        return InviteProblem.UNKNOWN
    if invite.revoked:
        return InviteProblem.REVOKED
    if invite.expires_at is not None and now >= invite.expires_at:
        return InviteProblem.EXPIRED
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return InviteProblem.USED_UP
    return None


def looks_like_code(text: str) -> bool:
    """Cheap shape check before any database look-up (base64url, as the links are made)."""
    return 0 < len(text) <= INVITE_CODE_MAX and all(c.isalnum() or c in "-_" for c in text)
