"""The fixture of the interop tests: each kind of network in turn."""

import pytest

from interop_helpers import NETWORKS


@pytest.fixture(params=sorted(NETWORKS))
def any_net(request):
    return NETWORKS[request.param]()
