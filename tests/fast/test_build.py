"""The C extension is built wherever a C compiler is at hand (`make test` installs glassnet
that way); without one glassnet installs and trains on the reference step alone."""

import shutil
import subprocess
import sys

import pytest


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler: the extension is optional")
def test_the_extension_is_built_where_a_compiler_is():
    # Without it every comparison in test_compiled_step.py would skip.
    result = subprocess.run(
        [sys.executable, "-c", "import glassnet.fast._ckernels"], capture_output=True, text=True
    )
    assert result.returncode == 0, "glassnet.fast._ckernels was not built: pip install -e ."
