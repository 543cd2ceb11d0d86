"""Use cases: what the dialogues and the CLI ask for, done with a unit of work and the domain
rules. Plain data in and out; no aiogram, so the CLI can use them without importing it."""
