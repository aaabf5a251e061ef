"""ISO 6346 checks: container numbers (python-stdnum, check digit) and size-type codes (the code tables)."""

from __future__ import annotations

import functools
import json

from stdnum import iso6346
from stdnum.exceptions import InvalidChecksum, ValidationError

from portdomain.assets import ASSETS

TABLES = ASSETS / "iso6346"


class Invalid(Exception):
    """args: (reason, detail)."""


def container_number(value: str) -> str:
    """The compact number (e.g. CSQU3054383) or Invalid: bad_check_digit / bad_container_number."""
    try:
        return str(iso6346.validate(value))
    except InvalidChecksum as err:
        raise Invalid("bad_check_digit", f"{value!r}: check digit should be "
                      f"{iso6346.calc_check_digit(iso6346.compact(value)[:10])}") from err
    except (ValidationError, ValueError) as err:     # (stdnum raises ValueError for a letter outside A-Z, e.g. ª)
        raise Invalid("bad_container_number", f"{value[:40]!r}: {err}") from err


@functools.cache
def _tables() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    sizes = json.loads((TABLES / "sizes.json").read_text())
    types = json.loads((TABLES / "types.json").read_text())
    return frozenset(sizes["length"]), frozenset(sizes["heightWidth"]), frozenset(types)


def size_type(code: str) -> str:
    """A 4-character size-type code whose length, height/width and type are in ISO 6346 (e.g. 22G1, 45R1)."""
    code = code.strip().upper()
    lengths, heights, types = _tables()
    if len(code) != 4 or code[0] not in lengths or code[1] not in heights or code[2:] not in types:
        raise Invalid("unknown_size_type", f"{code!r} is not an ISO 6346 size-type code")
    return code
