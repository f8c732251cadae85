"""The rerun (`replay --rerun`): the app runs again and every traced LLM and tool call is
answered from the recording (or a mock), so a run comes back exactly, offline.

`answerer.Rerun` sits in the tracer (`tracer.rerun`) and answers each call from a `recording.calls.Recording`;
`judging/` sets the new run beside the old one and judges it.
"""
