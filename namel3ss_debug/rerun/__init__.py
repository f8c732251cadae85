"""The rerun (`replay --rerun`): the app runs again and every traced LLM and tool call is
answered from the recording (or a mock), so a run comes back exactly, offline.

`recording` indexes a trace's calls by where they happen (`paths`); `answerer.Rerun` sits in the
tracer (`tracer.rerun`) and answers each call; `compare` sets the new run beside the old one.
"""
