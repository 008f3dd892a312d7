"""Alembic migrations: one linear history for every node database (CONVENTIONS §7)."""
