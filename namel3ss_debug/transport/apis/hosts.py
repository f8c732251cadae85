"""Who serves an OpenAI-shaped API, from the request's host: the big hosted APIs by name, any
other server (vLLM, LM Studio, a local stub) as `openai-compatible`."""

from __future__ import annotations

OPENAI_COMPATIBLE = "openai-compatible"
_PROVIDERS = {
    "api.openai.com": "openai",
    "api.groq.com": "groq",
    "api.together.xyz": "together",
    "api.together.ai": "together",
    "openrouter.ai": "openrouter",
    "api.mistral.ai": "mistral",
    "api.deepseek.com": "deepseek",
    "api.x.ai": "xai",
    "api.fireworks.ai": "fireworks",
}
# Azure OpenAI resources are per customer: `{resource}.openai.azure.com` (and the AI Foundry hosts).
_AZURE = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")


def hostname(host: str) -> str:
    """The host without its port (`127.0.0.1:8123` -> `127.0.0.1`; an IPv6 `[::1]:8000` -> `[::1]`)."""
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and not name.endswith(":") else host


def openai_provider(host: str) -> str:
    """The provider label of an OpenAI-shaped API at `host` (lower case, maybe with a port).

    >>> openai_provider("api.groq.com"), openai_provider("127.0.0.1:8123")
    ('groq', 'openai-compatible')
    """
    name = hostname(host)
    if name in _PROVIDERS:
        return _PROVIDERS[name]
    return "azure" if name.endswith(_AZURE) else OPENAI_COMPATIBLE
