"""A raw tool loop on google-genai with automatic function calling off: `functionCall` parts run by the app,
their results sent back as `functionResponse` parts. Three requests."""

from __future__ import annotations

from google import genai
from google.genai import types
from wire_tools import DESCRIPTIONS, QUESTION, run_tool, settings

url, key = settings()
client = genai.Client(api_key=key, http_options=types.HttpOptions(base_url=url))
declarations = [types.FunctionDeclaration(name=name, description=text, parameters=types.Schema(
    type="OBJECT", properties={"city": types.Schema(type="STRING")}, required=["city"]))
    for name, text in DESCRIPTIONS.items()]
config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=declarations)],
                                     automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True))
contents = [types.Content(role="user", parts=[types.Part(text=QUESTION)])]
while True:
    response = client.models.generate_content(model="gemini-2.0-flash", contents=contents, config=config)
    calls = response.function_calls or []
    if not calls:
        print(response.text)
        break
    contents.append(response.candidates[0].content)
    contents.append(types.Content(role="user", parts=[
        types.Part(function_response=types.FunctionResponse(id=call.id, name=call.name,
                                                            response={"output": run_tool(call.name, call.args)}))
        for call in calls]))
