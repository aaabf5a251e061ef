"""The panels of the officers' page, one module each with `register(app, ctx)` (its callbacks) and, where the page
has a piece of its own for it, the layout of that piece. create_app registers PANELS in this order."""

from __future__ import annotations

from app.panels import alerts, kpis, map, ops, replay, search, words

PANELS = (map, kpis, alerts, search, ops, replay, words)
