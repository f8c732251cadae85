"""Which requests are LLM calls: recognised by path and body shape at any host, with the provider
named from the host."""

from __future__ import annotations

import pytest

from namel3ss_debug.transport.apis import recognise

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
ANTHROPIC = {"model": "claude-sonnet-4-5", "max_tokens": 1024, "messages": [{"role": "user", "content": "hi"}]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def named(host: str, path: str, body: object, method: str = "POST") -> tuple[str, str] | None:
    api = recognise(method, host, path, body)
    return (api.name, api.provider) if api is not None else None


@pytest.mark.parametrize(("host", "path", "provider"), [
    ("api.openai.com", "/v1/chat/completions", "openai"),
    ("api.openai.com:443", "/v1/chat/completions", "openai"),
    ("api.groq.com", "/openai/v1/chat/completions", "groq"),
    ("api.together.xyz", "/v1/chat/completions", "together"),
    ("openrouter.ai", "/api/v1/chat/completions", "openrouter"),
    ("api.mistral.ai", "/v1/chat/completions", "mistral"),
    ("api.deepseek.com", "/chat/completions", "deepseek"),
    ("api.x.ai", "/v1/chat/completions", "xai"),
    ("api.fireworks.ai", "/inference/v1/chat/completions", "fireworks"),
    ("my-resource.openai.azure.com", "/openai/deployments/gpt4o/chat/completions", "azure"),
    ("127.0.0.1:8123", "/v1/chat/completions", "openai-compatible"),
    ("localhost:1234", "/v1/chat/completions/", "openai-compatible"),  # LM Studio, a trailing slash
    ("vllm.internal.example.com", "/v1/chat/completions", "openai-compatible"),
])
def test_chat_completions_are_recognised_at_any_base_url_with_the_provider_from_the_host(
        host: str, path: str, provider: str) -> None:
    assert named(host, path, CHAT) == ("openai.chat", provider)


@pytest.mark.parametrize(("path", "body", "name"), [
    ("/v1/responses", {"model": "gpt-4.1", "input": "hi"}, "openai.responses"),
    ("/v1/responses", {"previous_response_id": "resp_1", "input": [{"role": "user", "content": "hi"}]},
     "openai.responses"),
    ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say"}, "openai.completions"),
    ("/v1/embeddings", {"model": "text-embedding-3-small", "input": ["a", "b"]}, "openai.embeddings"),
])
def test_the_other_openai_apis_are_recognised_by_their_last_path_segment(path: str, body: dict, name: str) -> None:
    assert named("127.0.0.1:8123", path, body) == (name, "openai-compatible")
    assert named("api.openai.com", path, body) == (name, "openai")


@pytest.mark.parametrize("host", ["api.anthropic.com", "127.0.0.1:9000", "gateway.example.com"])
def test_anthropic_messages_are_recognised_at_any_host(host: str) -> None:
    assert named(host, "/v1/messages", ANTHROPIC) == ("anthropic.messages", "anthropic")


@pytest.mark.parametrize(("host", "path", "provider"), [
    ("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.0-flash:generateContent", "gemini"),
    ("generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:streamGenerateContent", "gemini"),
    ("127.0.0.1:8123", "/v1/models/gemini-2.0-flash:generateContent", "gemini"),
    ("us-central1-aiplatform.googleapis.com",
     "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent", "vertex"),
    ("aiplatform.googleapis.com", "/v1beta1/publishers/google/models/gemini-2.0-flash:generateContent", "vertex"),
    ("127.0.0.1:8123", "/v1/projects/p/locations/l/publishers/google/models/m:streamGenerateContent", "vertex"),
])
def test_gemini_generate_content_is_recognised_on_the_gemini_api_and_on_vertex(
        host: str, path: str, provider: str) -> None:
    assert named(host, path, GEMINI) == ("gemini.generate_content", provider)


def test_ollama_chat_and_generate_are_recognised() -> None:
    assert named("localhost:11434", "/api/chat", {"model": "llama3.2", "messages": []}) == ("ollama.chat", "ollama")
    assert named("localhost:11434", "/api/generate", {"model": "llama3.2", "prompt": "hi"}) == (
        "ollama.generate", "ollama")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/chat/completions", CHAT),
    ("GET", "/v1/models", None),
    ("POST", "/v1/models", {}),
    ("POST", "/v1/messages/count_tokens", {"model": "claude", "messages": []}),
    ("POST", "/v1/messages/batches", {"requests": []}),
    ("POST", "/v1/responses/resp_123", {}),
    ("POST", "/v1/responses/resp_123/cancel", {}),
    ("POST", "/v1/responses/input_tokens", {"model": "gpt-4.1", "input": "hi"}),
    ("POST", "/v1/chat/completions", {"model": "gpt-4o", "prompt": "no messages"}),
    ("POST", "/v1/chat/completions", {"model": "gpt-4o", "messages": "not a list"}),
    ("POST", "/v1/chat/completions", None),
    ("POST", "/v1/chat/completions", [CHAT]),
    ("POST", "/v1/completions", {"model": "gpt-3.5-turbo-instruct"}),
    ("POST", "/v1/embeddings", {"model": "text-embedding-3-small"}),
    ("POST", "/v1/messages", {"model": "claude", "messages": []}),  # no max_tokens: not Anthropic's
    ("POST", "/v1/threads/thread_1/messages", {"role": "user", "content": "hi"}),
    ("POST", "/v1beta/models/gemini-2.0-flash:countTokens", GEMINI),
    ("POST", "/v1beta/models/gemini-2.0-flash:embedContent", GEMINI),
    ("POST", "/api/generate", {"model": "llama3.2"}),  # loads the model, generates nothing
    ("POST", "/api/embed", {"model": "llama3.2", "input": "hi"}),
    ("POST", "/v1/files", {"purpose": "batch"}),
])
def test_requests_that_are_not_llm_calls_are_not_recognised(method: str, path: str, body: object) -> None:
    assert recognise(method, "api.openai.com", path, body) is None


def test_the_method_may_be_in_lower_case() -> None:
    assert named("api.openai.com", "/v1/chat/completions", CHAT, method="post") == ("openai.chat", "openai")
