"""The bot's HTTP session: aiogram's, with requests that carry no file posted as JSON.

aiogram posts every request as a form, percent-encoding each value (a step's text included);
at a thousand sends a second that encoding cost more CPU than the HTTP request itself. Telegram
takes the same parameters as a JSON body, so only uploads (a chart, an export) still go as
multipart forms. Only the body changes: the request, its time-out and its errors stay aiogram's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import FormData
from aiohttp.payload import JsonPayload, Payload

if TYPE_CHECKING:
    from aiogram import Bot


class JsonBody(FormData):
    """Stands where aiogram hands aiohttp a form: aiohttp calls a form for its payload, and
    this one gives the parameters as JSON."""

    def __init__(self, parameters: dict[str, Any], dumps: Callable[..., str]) -> None:
        super().__init__()
        self._parameters = parameters
        self._dumps = dumps

    def __call__(self) -> Payload:
        return JsonPayload(self._parameters, dumps=self._dumps)


class JsonSession(AiohttpSession):
    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> FormData:
        files: dict[str, Any] = {}
        parameters = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None and prepared != "":  # as aiogram's form leaves them out
                parameters[key] = prepared
        if files:  # an upload: a multipart form, as aiogram builds it
            return super().build_form_data(bot, method)
        return JsonBody(parameters, self.json_dumps)
