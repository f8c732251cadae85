"""google-genai's `client.models.generate_content` and `generate_content_stream`, and a function
declaration the model asks for before it answers.

The server is STUB_URL with the key STUB_KEY (sent as `x-goog-api-key`). Four requests: with a
custom base URL google-genai posts to /v1/models/gemini-2.0-flash:generateContent (three times:
plain, the function call, its result) and :streamGenerateContent?alt=sse.
"""

from __future__ import annotations

import os

from google import genai
from google.genai import types

WEATHER = types.Tool(function_declarations=[types.FunctionDeclaration(
    name="get_weather", description="The weather in a city today.",
    parameters=types.Schema(type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))])


def get_weather(city: str) -> str:
    return {"paris": "light rain, 14 C", "oslo": "snow, -3 C"}.get(city.lower(), "clear, 18 C")


def ask_with_tool(client: genai.Client, question: str) -> str:
    """One function call answered, then the model's answer."""
    config = types.GenerateContentConfig(tools=[WEATHER],
                                         automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
    contents = [types.Content(role="user", parts=[types.Part(text=question)])]
    first = client.models.generate_content(model="gemini-2.0-flash", contents=contents, config=config)
    for call in first.function_calls or []:
        contents.append(first.candidates[0].content)
        contents.append(types.Content(role="user", parts=[types.Part.from_function_response(
            name=call.name, response={"result": get_weather(**call.args)})]))
    return client.models.generate_content(model="gemini-2.0-flash", contents=contents, config=config).text


def main() -> None:
    client = genai.Client(api_key=os.environ["STUB_KEY"],
                          http_options=types.HttpOptions(base_url=os.environ["STUB_URL"]))
    reply = client.models.generate_content(model="gemini-2.0-flash", contents="What is the capital of France?")
    print(f"answer: {reply.text}")
    print(f"usage: {reply.usage_metadata.prompt_token_count} in, {reply.usage_metadata.candidates_token_count} out")
    pieces = [chunk.text or "" for chunk in client.models.generate_content_stream(
        model="gemini-2.0-flash", contents="Name a river in Spain.")]
    print(f"answer: {''.join(pieces)}")
    print(f"answer: {ask_with_tool(client, 'What is the weather in Paris?')}")


if __name__ == "__main__":
    main()
