"""The demo's own schedule, as `make demo DEMO_SPEED=20` runs it, with the port's real thresholds: every incident
within 15 wall minutes, in the database through the real ingest path, each raising its alert exactly once.
Slow (16 minutes): `make test-slow`. The compressed version of the same checks runs in `make test`."""

from __future__ import annotations

import pytest

from tests.test_demo_feed_e2e import *  # noqa: F403 - the same checks, on this module's run
from tests.test_demo_feed_e2e import demo_run  # noqa: F401 - the fixture, parametrised by the constants below

pytestmark = [pytest.mark.db, pytest.mark.slow]
SPEED = 20
DURATION_S = 15 * 60
COMPRESSED = False
