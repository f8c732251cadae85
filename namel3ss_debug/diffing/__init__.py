"""`diff`: what changed between two runs, as data.

- `calls`: a run's call sequence, one `CompactCall` per span, built in one streaming pass.
- `profile`: one read of a run feeding both the call sequence and the analysis `Report`.
- `align`: the two call sequences aligned, and the first divergence.
- `compare`: the `DiffReport` (overview and latency deltas, calls added and removed, changed outputs).
- `thresholds`: `--fail-on` expressions, parsed and evaluated.
- `report`: the frozen records every view (table, JSON, Markdown) renders.

Pure: events in, records out; no files, no printing, no clock.
"""
