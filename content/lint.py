"""`refleks content lint`: check package files and say where each problem is, one per line.

Runs without the bot (no aiogram): writers check their YAML before anything else starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from content.loader import PACKAGES_DIR, check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="refleks content lint",
        description="Check competence package files (YAML) against the schema.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=f"package files or folders (default: {PACKAGES_DIR})",
    )
    arguments = parser.parse_args(argv)
    packages, problems = check(arguments.paths or [PACKAGES_DIR], complete=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    modules = sum(len(package.modules) for package in packages)
    steps = sum(len(module.steps) for package in packages for module in package.modules)
    print(
        f"{_count(len(packages), 'package')}, {_count(modules, 'module')}, "
        f"{_count(steps, 'step')}, in bokmål, nynorsk and English: ok"
    )
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


if __name__ == "__main__":
    raise SystemExit(main())
