"""Refleks's rules, pure: plain data in, plain data out; no framework, no database, no clock."""
