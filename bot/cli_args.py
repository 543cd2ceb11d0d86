"""The argument parsing `refleks` and `refleks admin` share: errors as one line and exit
status 2, and the value types their options take."""

from __future__ import annotations

import argparse
from datetime import date


class CliError(Exception):
    """One line on stderr and exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliError(f"{self.prog}: {message}")


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None
