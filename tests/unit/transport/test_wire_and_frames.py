"""Bodies as the trace keeps them and as a replay serves them again."""

from __future__ import annotations

import gzip
import zlib

import pytest

from namel3ss_debug.transport.frames import ends_stream, frame_bytes, parse_ndjson, parse_sse, restored
from namel3ss_debug.transport.wire import body_bytes, body_chunks, decoded, framing_of, kept_body, request_body


def test_server_sent_events_are_frames_with_their_event_names_and_json_data():
    data = b'event: message_start\ndata: {"type": "message_start"}\n\n: a comment\n\ndata: [DONE]\n\n'
    frames, _ = parse_sse(data)
    assert frames == [{"event": "message_start", "data": {"type": "message_start"}}, {"data": "[DONE]"}]


def test_data_lines_of_one_event_are_joined_and_crlf_is_read_as_lf():
    frames, _ = parse_sse(b"data: a\r\ndata: b\r\n\r\n")
    assert frames == [{"data": "a\nb"}]


def test_each_frame_says_where_it_ends_so_a_first_token_can_be_timed():
    data = b"data: {}\n\ndata: {}\n\n"
    assert parse_sse(data)[1] == [10, 20]


def test_json_lines_are_frames_too():
    assert parse_ndjson(b'{"a": 1}\n\n{"done": true}\n')[0] == [{"data": {"a": 1}},
                                                                                  {"data": {"done": True}}]


@pytest.mark.parametrize(("content_type", "framing"), [("text/event-stream; charset=utf-8", "sse"),
                                                       ("application/x-ndjson", "ndjson"),
                                                       ("application/json", None)])
def test_the_framing_comes_from_the_content_type(content_type, framing):
    assert framing_of(content_type) == framing


@pytest.mark.parametrize(("data", "content_type", "kept"), [
    (b'{"id": "x"}', "application/json", {"body": {"id": "x"}}),
    (b"<html>hi</html>", "text/html", {"text": "<html>hi</html>"}),
    (b"\x89PNG\x00\xff", "image/png", {"bytes": b"\x89PNG\x00\xff"}),
    (b"{not json", "application/json", {"text": "{not json"}),
    (b"", "application/json", {"text": ""}),
])
def test_a_body_is_kept_as_what_it_is(data, content_type, kept):
    assert kept_body(data, content_type) == kept


@pytest.mark.parametrize("content_type", ["text/event-stream", "application/x-ndjson"])
def test_a_kept_stream_is_served_again_as_the_same_frames(content_type):
    wire = (b'event: a\ndata: {"n": 1}\n\ndata: [DONE]\n\n' if content_type == "text/event-stream"
            else b'{"n": 1}\n{"done": true}\n')
    kept = kept_body(wire, content_type)
    again = kept_body(b"".join(body_chunks(kept)), content_type)
    assert again == kept and len(list(body_chunks(kept))) == 2


def test_a_kept_json_body_is_served_as_the_same_value():
    kept = kept_body(b'{"a": [1, 2.5, "\\u00e9"], "b": null}', "application/json")
    assert kept_body(body_bytes(kept), "application/json") == kept


def test_content_encodings_are_undone_as_the_client_undoes_them():
    text = b'{"ok": true}'
    assert decoded("gzip", gzip.compress(text)) == text
    assert decoded("deflate", zlib.compress(text)) == text
    assert decoded("deflate", zlib.compress(text)[2:-4]) == text  # raw deflate, as some servers send it
    with pytest.raises(ValueError, match="content encoding 'compress'"):
        decoded("compress", text)


@pytest.mark.parametrize(("frame", "last"), [
    ({"data": "[DONE]"}, True), ({"event": "message_stop", "data": {"type": "message_stop"}}, True),
    ({"data": {"type": "response.completed"}}, True), ({"data": {"done": True}}, True),
    ({"data": {"candidates": [{"finishReason": "STOP"}]}}, True),
    ({"data": {"choices": [{"delta": {"content": "x"}}]}}, False), ({"data": "text"}, False),
])
def test_the_frames_that_only_come_last_end_a_stream(frame, last):
    assert ends_stream(frame) is last


def test_a_request_body_is_its_json_value_or_its_text():
    assert request_body(b'{"model": "m"}', "application/json") == {"model": "m"}
    assert request_body(b"a=1&b=2", "application/x-www-form-urlencoded") == "a=1&b=2"
    assert request_body(b"", "") is None


def test_a_chunk_that_repeats_the_envelope_before_it_is_kept_without_it_and_served_with_it():
    envelope = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    frames = [{"data": {**envelope, "choices": [{"delta": {"content": "a"}}]}},
              {"data": {**envelope, "choices": [{"delta": {"content": "b"}}]}},
              {"data": {**envelope, "model": "other", "choices": []}},
              {"data": "[DONE]"}]
    wire = b"".join(frame_bytes("sse", frame) for frame in frames)
    kept, _ = parse_sse(wire, compact=True)
    assert kept[1] == {"data": {"choices": [{"delta": {"content": "b"}}]}, "envelope": "previous"}
    assert kept[0] == frames[0] and kept[2] == frames[2] and kept[3] == frames[3]  # a new envelope is kept whole
    assert list(restored(kept)) == frames
    assert parse_sse(b"".join(body_chunks({"framing": "sse", "frames": kept})))[0] == frames
