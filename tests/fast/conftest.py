"""The fixture the compiled-step tests share."""

import pytest

from glassnet.fast import step as fastpath


@pytest.fixture(params=["on", "off"], ids=["team", "one thread"])
def team(request, monkeypatch):
    """GLASSNET_TEAM pinned to the team of threads, then to one thread."""
    monkeypatch.setenv(fastpath.TEAM_ENV, request.param)
