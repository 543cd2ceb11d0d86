"""Every call the demo week makes, checked against the public Bot API specification: each
method exists, takes every parameter the bot sends, and gets every parameter it requires.

The specification (Bot API 10.1, as data) is not part of the project: point
REFLEKS_BOT_API_SPEC at it, or keep it as ../shared/bot-api-10.1.json beside the project;
without it the test skips.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.demo import run_demo
from bot.local_api import LocalBotAPI

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path(os.environ.get("REFLEKS_BOT_API_SPEC", ROOT.parent / "shared" / "bot-api-10.1.json"))


def violations(calls: list[tuple[str, dict[str, Any]]], spec: dict[str, Any]) -> list[str]:
    methods = {name.lower(): method for name, method in spec["methods"].items()}
    found = []
    for name, params in calls:
        method = methods.get(name.lower())
        if method is None:
            found.append(f"{name}: no such method")
            continue
        fields = {field["name"]: field for field in method.get("fields", [])}
        found += [f"{name}: unknown parameter {p}" for p in params if p not in fields]
        found += [
            f"{name}: missing {f}"
            for f, field in fields.items()
            if field["required"] and f not in params
        ]
    return found


def test_the_checker_finds_what_it_looks_for() -> None:
    spec = {
        "methods": {
            "sendMessage": {
                "fields": [
                    {"name": "chat_id", "required": True},
                    {"name": "text", "required": True},
                ]
            }
        }
    }
    calls = [
        ("sendMessage", {"chat_id": 1, "text": "x", "disable_web_page_preview": True}),
        ("sendMessage", {"text": "x"}),
        ("sendTelepathy", {}),
    ]
    assert violations(calls, spec) == [
        "sendMessage: unknown parameter disable_web_page_preview",
        "sendMessage: missing chat_id",
        "sendTelepathy: no such method",
    ]


@pytest.fixture
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip("the Bot API specification is not at hand")
    loaded: dict[str, Any] = json.loads(SPEC.read_text())
    return loaded


async def test_every_call_of_the_demo_week_keeps_to_the_specification(
    spec: dict[str, Any],
) -> None:
    async with LocalBotAPI() as api:
        assert await run_demo(Settings(_env_file=None), quiet=True, api=api) == 0  # type: ignore[call-arg]
        calls = [(call.method, dict(call.params)) for call in api.calls]
    assert {name for name, _ in calls} >= {"getUpdates", "sendMessage", "sendPhoto"}
    assert violations(calls, spec) == []
