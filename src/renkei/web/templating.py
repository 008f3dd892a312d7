"""Jinja templates shared by every page, with the 和暦 filters (dates show ISO and 和暦 side by side)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from renkei.core import wareki

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["wareki"] = lambda d: wareki.to_wareki(wareki.local_date(d)) if d else ""
templates.env.filters["date_both"] = wareki.both
templates.env.filters["moment"] = wareki.moment
templates.env.filters["jst"] = wareki.jst
