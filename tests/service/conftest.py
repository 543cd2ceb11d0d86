"""The service tier: every use case called as a handler or the CLI calls it, on an in-memory
database, with no HTTP and no clock but the `now` each test passes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.service.fakes import MemoryDatabase


@pytest.fixture
async def uows() -> AsyncIterator[MemoryDatabase]:
    memory = await MemoryDatabase.create()
    yield memory
    await memory.engine.dispose()
