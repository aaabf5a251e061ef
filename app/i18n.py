"""UI strings in English and 简体中文 from assets/i18n/<lang>.json."""

from __future__ import annotations

import functools
import json
from typing import Any

from portdomain.assets import ASSETS

I18N_DIR = ASSETS / "i18n"
LANGUAGES = {"en": "English", "zh": "中文"}


@functools.cache
def strings(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}")
    return dict(json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8")))


def t(lang: str, key: str, **values: Any) -> str:
    """The string for key in lang; a key missing there falls back to English, then to the key."""
    text = strings(lang).get(key) or strings("en").get(key) or key
    return text.format(**values) if values else text


def language(value: object, default: str = "en") -> str:
    """The language asked for if the app speaks it, else the default (the one fallback every caller uses)."""
    return value if isinstance(value, str) and value in LANGUAGES else default
