"""When an invite link may still be used."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain.model import Invite

INVITE_CODE_MAX = 64  # what Telegram's /start parameter can carry


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
