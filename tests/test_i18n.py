"""UI strings exist in both languages."""

import pytest

from app.i18n import LANGUAGES, strings, t

pytestmark = pytest.mark.unit


def test_every_string_is_in_both_languages() -> None:
    assert set(strings("en")) == set(strings("zh"))
    assert all(v.strip() for lang in LANGUAGES for v in strings(lang).values())


def test_values_are_filled_in_and_unknown_languages_refused() -> None:
    assert t("zh", "status.no_port", port="weifang").endswith("assets/ports/weifang")
    with pytest.raises(KeyError, match="unsupported language"):
        strings("fr")
