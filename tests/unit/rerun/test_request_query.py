"""A request whose only change is its URL's query (`GET /weather?city=Lisbon` where `?city=Paris` was recorded)
asks something else: matching strictly (`verify`, once a rerun parted) it is never answered with the recorded
response to the other query, and the miss names the query; by place (`--match call`), as before, it is."""

from __future__ import annotations

from typing import Iterator

import pytest
from support.rerunhelpers import record, rerun
from support.stubs import LoopbackServer, Reply, Request, json_reply

from namel3ss_debug import capture_http
from namel3ss_debug.model.rerun_protocol import RerunMiss

requests = pytest.importorskip("requests")
pytestmark = pytest.mark.usefixtures("isolated_workspace")
WEATHER = {"Paris": "rain, 11 C", "Lisbon": "sunny, 24 C"}


def weather(request: Request) -> Reply:
    """`GET /weather?city=NAME`: the city's weather as JSON."""
    city = request.query.get("city", "?")
    return json_reply({"city": city, "weather": WEATHER.get(city, "unknown")})


@pytest.fixture
def url() -> Iterator[str]:
    capture_http()
    with LoopbackServer({"GET /weather": weather}, name="weather") as server:
        yield server.url


def ask(url: str, city: str) -> str:
    return requests.get(f"{url}/weather", params={"city": city}, timeout=10).json()["weather"]


def test_strictly_a_get_with_another_query_misses_and_the_miss_names_the_query(url):
    _, events = record(lambda: ask(url, "Paris"), capture_http="all")
    result, _, session = rerun(events, lambda: ask(url, "Lisbon"), strict=True)
    assert isinstance(result, RerunMiss)  # never Paris's "rain, 11 C"
    why = session.tally.misses[0].why
    assert "the recording has no request that asks the same (nearest http:127.0.0.1#1, query: recorded " \
           "'city=Paris', this call 'city=Lisbon')" in why, why


def test_strictly_the_same_query_is_answered_from_the_recording(url):
    _, events = record(lambda: ask(url, "Paris"), capture_http="all")
    WEATHER["Paris"] = "hail, 2 C"  # the server now says otherwise: the answer is the recording's
    try:
        result, _, session = rerun(events, lambda: ask(url, "Paris"), strict=True)
    finally:
        WEATHER["Paris"] = "rain, 11 C"
    assert result == "rain, 11 C" and session.tally.counts == {"recorded": 1}


def test_by_place_another_query_is_still_answered_by_order(url):
    _, events = record(lambda: ask(url, "Paris"), capture_http="all")
    result, _, session = rerun(events, lambda: ask(url, "Lisbon"))
    assert result == "rain, 11 C" and session.tally.counts == {"recorded": 1}  # as before: not strict
