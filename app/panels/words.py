"""The page's fixed words in the chosen language: every text rendered with `words.say` (an element with the
pattern id {"type": "i18n", "key": …}) and the note box's hint follow the language switch in one callback, so a
string added to the page needs no callback of its own, only its key in assets/i18n/."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from app import ids
from app.context import AppContext
from app.i18n import language, t

WORD = "i18n"


def say(lang: str, key: str) -> html.Span:
    """The string `key` in `lang`, re-worded in place when the page's language changes."""
    return html.Span(t(lang, key), id={"type": WORD, "key": key})


def register(app: dash.Dash, _ctx: AppContext) -> None:
    @app.callback(
        Output({"type": WORD, "key": ALL}, "children"), Output(ids.ALERT_NOTE, "placeholder"),
        Output({"type": ids.REPORT_LINK, "to": ALL}, "href"),
        Input(ids.LANG, "value"), State({"type": WORD, "key": ALL}, "id"),
        State({"type": ids.REPORT_LINK, "to": ALL}, "id"),
        prevent_initial_call=True,
    )
    def words(lang: str, keys: list[dict[str, str]], links: list[dict[str, str]]) -> tuple[Any, ...]:
        """Pattern ids throughout: the user box (and so the report link) is not in the layout Dash checks the
        callbacks against, which is built without a signed-in user."""
        lang = language(lang)
        return ([t(lang, k["key"]) for k in keys], t(lang, "alerts.note"),
                [f"{link['to']}&lang={lang}" for link in links])
