"""Settings from the environment (and `.env`). A wrong value stops start-up with one line."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.summary import THRESHOLD_FLOOR

PUBLIC_API = "https://api.telegram.org"
PAID_RATE = 900.0  # messages a second with paid broadcasts: a margin under Telegram's 1,000
PAID_ON = frozenset({"true", "1", "yes", "on"})
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/refleks.db"
# @BotFather's tokens: the bot's id, a colon, and a secret of letters, digits, _ and -
TOKEN_SHAPE = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{20,128}")
# what Telegram accepts as setWebhook's secret_token
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(SystemExit):
    """Raised with the one line an operator needs; exits with status 2."""

    def __init__(self, line: str) -> None:
        super().__init__(2)
        self.line = line

    def __str__(self) -> str:
        return self.line


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # an empty variable counts as unset (docker compose passes `${X:-}` as "")
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
        env_ignore_empty=True,
    )

    bot_token: str | None = None
    bot_username: str | None = None  # only where getMe cannot be asked (no token)
    # Further bots, one per municipality: Telegram's send limit is per bot token.
    more_bot_tokens: Annotated[tuple[str, ...], NoDecode] = ()
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = PUBLIC_API
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Oslo"
    redis_url: str | None = None
    anonymity_threshold: int = Field(default=5, ge=THRESHOLD_FLOOR)
    answer_retention_weeks: int = Field(default=26, ge=1)
    # The key of the answer marks (one answer per person and step, across /forget): a secret of
    # the deployment, kept out of the database. Unset: derived from BOT_TOKEN.
    answer_mark_key: str | None = None
    messages_per_second: float = Field(default=25.0, gt=0, le=1000)
    # Telegram's paid broadcasts: up to 1,000 messages a second for 0.1 Star each, paid from
    # the bot's balance. Off unless asked for; on, MESSAGES_PER_SECOND defaults to 900.
    paid_broadcast: bool = False
    chat_messages_per_second: float = Field(default=1.0, gt=0, le=30)
    lease_seconds: int = Field(default=120, ge=10)
    # A chat may send this many updates per window; beyond it they are dropped, with one
    # "slow down" (bot.inbound_limit). 0 switches the limit off.
    inbound_limit: int = Field(default=5, ge=0)
    inbound_window_seconds: float = Field(default=10.0, gt=0, le=3600)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    # polling mode: serve /metrics on this port (the webhook server has its own /metrics)
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"  # loopback: the figures are not for the public internet

    def mark_key(self, token: str | None = None) -> bytes:
        """ANSWER_MARK_KEY, else a key derived from the bot token (never stored in the database;
        a rotated token lets a person who used /forget answer their old steps once more)."""
        if self.answer_mark_key:
            return self.answer_mark_key.encode()
        secret = (token or self.bot_token or "").encode()
        return hmac.new(secret, b"refleks answer marks", hashlib.sha256).digest()

    @model_validator(mode="before")
    @classmethod
    def _paid_rate(cls, data: object) -> object:
        """With paid broadcasts and no rate of one's own: 900 a second, under the 1,000."""
        if isinstance(data, dict) and str(data.get("paid_broadcast", "")).lower() in PAID_ON:
            data.setdefault("messages_per_second", PAID_RATE)
        return data

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return _checked_token(value)

    @field_validator("more_bot_tokens", mode="before")
    @classmethod
    def _token_list(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("more_bot_tokens")
    @classmethod
    def _more_tokens(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if not value:
            return value
        default = info.data.get("bot_token")
        if not default:
            raise ValueError("needs BOT_TOKEN too: it is the default bot")
        seen = {_token_id(default)}
        for number, token in enumerate(value, start=1):
            try:
                _checked_token(token)
            except ValueError as error:  # the token itself stays out of the message
                raise ValueError(f"token {number}: {error}") from None
            if _token_id(token) in seen:
                raise ValueError(f"token {number}: bot {_token_id(token)} is given twice")
            seen.add(_token_id(token))
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret_shape(cls, value: str | None) -> str | None:
        if value is None or WEBHOOK_SECRET_SHAPE.fullmatch(value):
            return value
        # the secret itself stays out of the message
        raise ValueError(
            "must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram refuses others)"
        )

    @field_validator("telegram_api_url")
    @classmethod
    def _plain_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not one
        except ValueError:
            raise ValueError("is not a valid URL (check the host and the port)") from None
        if not parts.hostname or any(character.isspace() for character in value):
            raise ValueError("is not a valid URL (check the host and the port)")
        return value.rstrip("/")

    @property
    def bot_id(self) -> int:
        return _token_id(self.bot_token) if self.bot_token else 0

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never reach a log or a terminal."""
        found = (self.bot_token, *self.more_bot_tokens, self.webhook_secret, self.answer_mark_key)
        return tuple(secret for secret in found if secret)

    @property
    def bot_tokens(self) -> dict[int, str]:
        """Every bot's token by its id (the id is the token's first part): the default first."""
        tokens = [self.bot_token] if self.bot_token else []
        return {_token_id(token): token for token in (*tokens, *self.more_bot_tokens)}


def _checked_token(token: str) -> str:
    """The token as it is; the error never echoes it (start-up errors end up in logs)."""
    if token != token.strip() or any(character.isspace() for character in token):
        raise ValueError("has white space in it (a line break or space copied along?)")
    if not TOKEN_SHAPE.fullmatch(token):
        raise ValueError("does not look like a token from @BotFather (123456:ABC...)")
    return token


def _token_id(token: str) -> int:
    return int(token.partition(":")[0])


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; raises ConfigError naming the first bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        raise ConfigError(f"configuration error: {name}: {first['msg']}") from None
