#!/usr/bin/env python3
"""Two commands for a fresh clone, needing only Python 3.11+:

    python3 dev.py run     the bot (with no BOT_TOKEN: the built-in demo on SQLite)
    python3 dev.py test    the whole test suite

Both create the virtual environment (.venv) and install Refleks into it the first time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".refleks-installed"


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs before the venv exists
        sys.exit(f"Refleks needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("installing Refleks and its dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--editable", f"{ROOT}[dev]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    command, *rest = argv or ["help"]
    if command not in {"run", "test", "install"}:
        print(__doc__)
        return 0 if command in {"help", "-h", "--help"} else 2
    ensure_environment()
    if command == "install":
        return 0
    if command == "run":
        args = [str(BIN / "refleks"), "run", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
