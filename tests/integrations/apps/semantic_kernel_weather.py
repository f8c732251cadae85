"""What the Semantic Kernel apps (`semantic_kernel_*otel_app.py`) share: Semantic Kernel's OpenTelemetry
diagnostics switched on before it is imported (unless the environment says otherwise), an SDK tracer provider set
as the global one, and the plugin with their one tool, `get_weather`."""

from __future__ import annotations

import os

os.environ.setdefault("SEMANTICKERNEL_EXPERIMENTAL_GENAI_ENABLE_OTEL_DIAGNOSTICS", "true")  # read at import

from opentelemetry import trace  # after the switch above
from opentelemetry.sdk.trace import TracerProvider
from semantic_kernel.functions import kernel_function

trace.set_tracer_provider(TracerProvider())


class Weather:
    @kernel_function(name="get_weather", description="The weather in a city today.")
    def get_weather(self, city: str) -> str:
        return "light rain, 14 C" if city == "Paris" else "clear, 18 C"
