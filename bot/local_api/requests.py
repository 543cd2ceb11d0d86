"""Reading a Bot API request the way Telegram does: query string, form, JSON or multipart.

Form and query values are strings; aiogram JSON-encodes everything that is not a string
(numbers, booleans, reply_markup, commands), so we decode them back unless the field is text.
"""

from __future__ import annotations

import json
import mimetypes
from typing import Any

from aiohttp import BodyPartReader, web

from bot.local_api.records import JsonDict, bad_request

# Fields whose value is free text even when it happens to look like JSON ("42", "true").
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "action",
        "language_code",
        "secret_token",
        "ip_address",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "photo",
        "document",
        "file_id",
    }
)


def decode_field(name: str, raw: str) -> Any:
    if name in _TEXT_FIELDS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_request(request: web.Request) -> tuple[JsonDict, dict[str, tuple[str, bytes, str]]]:
    """Params plus uploaded files as {field: (filename, bytes, content type)}."""
    params: JsonDict = {name: decode_field(name, value) for name, value in request.query.items()}
    files: dict[str, tuple[str, bytes, str]] = {}
    if request.method != "POST" or not request.body_exists:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as error:
            raise bad_request("can't parse JSON encoded request") from error
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON encoded request")
        params.update(body)
    elif content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                data = bytes(await part.read())
                files[part.name] = (part.filename, data, _mime_type(part))
            else:
                params[part.name] = decode_field(part.name, await part.text())
    else:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, str):
                params[name] = decode_field(name, value)
    return params, files


def _mime_type(part: BodyPartReader) -> str:
    declared = part.headers.get("Content-Type", "")
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(part.filename or "")
    return guessed or "application/octet-stream"
