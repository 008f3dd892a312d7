"""Shared kernel: settings, databases, identifiers, crypto primitives, errors, clock and 和暦."""
