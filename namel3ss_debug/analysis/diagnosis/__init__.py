"""Diagnosis: what went wrong in a run, and what to try, from the same one pass as `analyze`.

- `records.py`: the records every view shows (`Finding`, `Evidence`, `Blame`, `Diagnosis`) and the kinds.
- `steps.py`: what the pass keeps of a run for the rules (`Step`, `AgentSteps`, `RunClues`).
- `clues.py`: the collector `Tally` feeds (agent by agent; an agent's steps are judged when it ends, then dropped).
  What it counts as steps go by has a file each: `repeats.py` (calls made again), `spend.py` (cost per model),
  `writers.py` (each term's first writer), `past_cut.py` (an agent's calls past its kept steps).
- `rules/`: one file per family of findings, each a pure function of steps and thresholds.
- `blame.py`: for a run that failed, the responsible agent, the decisive step and the chain to the failure.
- `diagnose.py`: the rules and the blame run over the clues and the report's figures, into a `Diagnosis`.

Each rule's threshold, with the config key a team tunes it by, is in `analysis/thresholds.py`, which the pass
imports too. Nothing here calls a model, reads a file or the clock: the same trace gives the same diagnosis.
"""
