"""A test module that makes its client and its tools when it is imported, as most do (`client = OpenAI()`,
a module-level `@trace_tool_call` or framework tool), before any test starts: the plugin hooks the HTTP clients
and frameworks before it imports a module that names `n3replay`, and lends the unset SDK key variables a
placeholder during that import, so the module replays with no key, its calls answered from the golden run."""

from __future__ import annotations

import pytest
from support.goldensuites import answers, run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

AT_IMPORT = '''
import os

import openai
import pytest
from agentapp import keep

client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)  # needs a key, now


@pytest.mark.n3replay
def test_weather():
    reply = client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": "Weather in Oslo?"}])
    keep("weather", reply.choices[0].message.content)
'''


def test_a_client_made_at_import_replays_with_no_key(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_weather=AT_IMPORT)
    with StubServer(fresh=True) as server:
        recorded = run_pytest(pytester.path, suite_environ(pytester.path, server.url), "--n3-record=once")
        recorded.assert_outcomes(passed=1)
        said = answers(pytester.path, "weather")
        replayed = run_pytest(pytester.path, suite_environ(pytester.path, server.url, key=None))
        replayed.assert_outcomes(passed=1)
        assert answers(pytester.path, "weather") == said
        assert len(server.hits) == 1
    without = run_pytest(pytester.path, suite_environ(pytester.path, server.url, key=None), "--n3-record=rewrite")
    assert without.ret != 0  # recording needs the key: the placeholder is lent only to a replay
