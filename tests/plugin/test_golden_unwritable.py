"""A recording that cannot be written as the golden file fails the test's teardown in one line that says which
file, why, and where the test's run is: it is never lost silently, and pytest warns of nothing of ours."""

from __future__ import annotations

import pytest
from support.goldensuites import run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

UNDER_A_FILE = '''
import pytest
from agentapp import ask


@pytest.mark.n3replay("afile/weather.jsonl", record="once")
def test_weather():
    assert ask("Weather in Oslo?").startswith("Echo: ")
'''


def test_a_golden_file_that_cannot_be_written_fails_the_teardown_in_one_line(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=UNDER_A_FILE)
    (pytester.path / "afile").write_text("not a directory")
    with StubServer() as server:
        result = run_pytest(pytester.path, suite_environ(pytester.path, server.url), "-rE")
    result.assert_outcomes(passed=1, errors=1)
    failure = "\n".join(result.outlines)
    assert "\nn3replay: cannot write the golden run afile/weather.jsonl: " in failure
    assert "the test's run is " in failure and "Traceback" not in failure
    assert "PluggyTeardownRaisedWarning" not in failure
