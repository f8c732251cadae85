"""LangChain and LangGraph hooks (installed by `hook.py`): the callback handler
that records graph runs, nodes and retrievers, the tool wrappers, and the values they record.
Each module here imports langchain_core, so only the hook imports them, once the app has."""
