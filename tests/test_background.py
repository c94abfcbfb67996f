"""The heavy tests marked ``background`` run in a second pytest process beside the unit tests.

``conftest.py`` takes them out of the main run and starts that process on the second core once
the numerical-path guard is done; this test, run last, waits for it and requires it to pass. Run
on its own (``pytest tests/test_background.py``) it starts the child at once.
"""


def test_heavy_tests_pass_in_the_background(background_tests):
    rc, output, nodeids = background_tests
    assert rc == 0, f"the background tests failed:\n{output[-6000:]}"
    assert f"{len(nodeids)} passed" in output, output[-2000:]
