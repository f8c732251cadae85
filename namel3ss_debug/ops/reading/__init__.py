"""Reading runs for their report, one way for every command (`analyze`, `check`, `diagnose`, `diff`, `verify`, the
run index):
`plan.plan_read` chooses once how (whole, many runs in batches on every core, one big run in parts), `read.read`
carries the plan out. `settings.py` is what the pass reads with (stated once from a command's options, pickled to
the workers), `watching.py` who else sees each block (`check`'s scan, `diff`'s call recorder), `batches.py` many runs
tallied in workers and merged, `parts.py` one run cut at lines and its parts joined (`handoff.py`: each part's
answer handed back through a file), `given.py` runs read by a reader the asker holds (`verify`'s recording read
again, a side of `diff --jobs`), `counting.py` the records counted and their unknown types said once."""
