"""No token or webhook secret is ever printed: not at start-up, not in a log, not by the CLI."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError

from bot.config import ConfigError, load_settings
from bot.logs import HIDDEN, hide_secrets, redact

ROOT = Path(__file__).resolve().parents[2]
SECRET_PART = "Zq7xK2mP9vL4nR8tW1yB6cD3fG5hJ0aS"
TOKEN = f"123456789:{SECRET_PART}"
WEBHOOK_SECRET = "hook-secret_0123456789"


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("BOT_TOKEN", f" {TOKEN}", "white space"),
        ("BOT_TOKEN", f"{TOKEN}\n", "white space"),
        ("BOT_TOKEN", f"123456789: {SECRET_PART}", "white space"),
        ("BOT_TOKEN", f"123456789:{SECRET_PART}!", "does not look like a token"),
        ("BOT_TOKEN", f"bot123:{SECRET_PART}", "does not look like a token"),
        ("MORE_BOT_TOKENS", f"987654321:{SECRET_PART}é", "token 1"),
        ("WEBHOOK_SECRET", f"{WEBHOOK_SECRET} with spaces", "1-256 characters"),
        ("WEBHOOK_SECRET", "x" * 257, "1-256 characters"),
        ("WEBHOOK_SECRET", "ünïcode-secret", "1-256 characters"),
    ],
)
def test_a_malformed_secret_stops_start_up_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, complaint: str
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "111:" + "d" * 30)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    line = str(raised.value)
    assert line.startswith(f"configuration error: {variable}:")
    assert complaint in line
    assert "\n" not in line
    assert SECRET_PART not in line and WEBHOOK_SECRET not in line and "x" * 40 not in line


def test_a_well_formed_webhook_secret_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", "A-z_09" * 40)
    assert load_settings(_env_file=None).webhook_secret == "A-z_09" * 40


def test_redact_hides_tokens_in_urls_and_registered_secrets() -> None:
    hide_secrets([WEBHOOK_SECRET])
    text = redact(f"GET http://api/bot{TOKEN}/getMe with {WEBHOOK_SECRET} at 12:30")
    assert SECRET_PART not in text and WEBHOOK_SECRET not in text
    assert text == f"GET http://api/bot{HIDDEN}/getMe with {HIDDEN} at 12:30"


async def test_an_http_error_from_aiogram_is_logged_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """aiohttp quotes a malformed URL whole in its error, and the URL carries the token."""
    hide_secrets([TOKEN])
    server = TelegramAPIServer.from_base("http://127.0.0.1:99999")
    bot = Bot(TOKEN, session=AiohttpSession(api=server))
    try:
        with pytest.raises(TelegramNetworkError) as raised:
            await bot.get_me()
        assert SECRET_PART in str(raised.value)  # the fault this guards against is real
        with caplog.at_level(logging.ERROR):
            try:
                raise raised.value
            except TelegramNetworkError:
                logging.getLogger("refleks.test").exception("send failed: %s", raised.value)
    finally:
        await bot.session.close()
    assert "send failed" in caplog.text
    assert SECRET_PART not in caplog.text
    assert HIDDEN in caplog.text


def _admin_invite(api_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_USERNAME", "MORE_BOT_TOKENS"}}
    env.update(BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'refleks.db'}")

    def run(*args: str, api: str = "http://127.0.0.1:9") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "admin", *args],
            capture_output=True,
            text=True,
            env={**env, "TELEGRAM_API_URL": api},
            cwd=ROOT,
            timeout=60,
        )

    for setup in (
        ("org", "add", "nordby", "--name", "Nordby skole", "--kind", "school"),
        ("group", "add", "nordby/laerere", "--name", "Lærerne"),
    ):
        assert run(*setup).returncode == 0
    return run("invite", "nordby/laerere", "--role", "staff", api=api_url)


@pytest.mark.parametrize(
    "api_url",
    [
        "http://127.0.0.1:9",  # nothing listens there
        "http://127.0.0.1:abc",  # not a port: the URL is refused and quoted whole
        "http://[::1",  # a broken address
        "http://127.0.0.1:99999",  # no such port
    ],
)
def test_admin_invite_with_a_bad_api_url_never_prints_the_token(
    api_url: str, tmp_path: Path
) -> None:
    done = _admin_invite(api_url, tmp_path)
    assert done.returncode != 0
    assert "getMe" in done.stderr or "TELEGRAM_API_URL" in done.stderr  # it says what failed
    assert SECRET_PART not in done.stderr + done.stdout
