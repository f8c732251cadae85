"""Diagnosis: what went wrong in a run, and what to try, from the same one pass as `analyze`.

Rooms, from the top down; a module imports its own room and the rooms below it, never one above
(`tests/meta/test_diagnosis_wing.py` holds the order):

- `diagnose.py`: the rules and the blame run over the clues and the report's figures, into a `Diagnosis`.
- `parts/`: a big run read in parts. `clues.py` is one part's collector (`CluesPart`), `calls.py` what a part keeps
  of each call for the join (`PartSpent`, `Called`, `LinkLog`, `KeyColumn`), `join.py` a part's clues added to the
  collector of the records before its cut, or refused.
- `collector/`: `clues.py`, the collector `Tally` feeds (agent by agent; an agent's steps are judged when it ends,
  then dropped), and the note-takers it calls as events go by: `actors.py` (who acted), `links.py` (the LLM call
  each tool call answers), `repeats.py` (calls made again), `request_marks.py` (which marks a request's raw JSON
  holds), `speakers.py` (who spoke in a conversation recorded at the wire only), `spend.py` (cost per model).
- `blame/`: for a run that failed, the responsible agent, the decisive step and the chain to the failure.
  `judge.py` tries the rules in order: `error.py` (rule 1), `product.py` (the files a run wrote), `answer.py`
  (rule 4), `fallback.py` (rule 5), over what `chain.py` gives them all (`BlameView`, `Link`, `BlameVerdict`);
  `calibration.py` says how sure each path is, from the figures `measured.py` holds.
- `rules/`: one file per family of findings, each a pure function of steps and thresholds (`rules/__init__.py`
  says what a rule is; `registry.py` lists them in order; `evidence.py` and `missing_words.py` are what families
  share): `claims`, `consent`, `dominant`, `limits`, `loops`, `missing_tools`, `pacing`, `plans`, `progress`,
  `recording`, `savings`, `swallowed`, `tools`, `turn_limits`, `unchanged`.
- `notes/`: what the collector keeps of a run, which the rules and the blame read. `steps.py` (`Step`,
  `AgentSteps`, `RunClues`) and the notes beside them: `consent.py` (what the user must confirm, and actions
  asked without it), `given.py` (what the run was given), `past_cut.py` (an agent's calls past its kept steps),
  `plans.py` (the plans its models wrote), `products.py` (the files it wrote), `writers.py` (each term's first
  writer), `provenance.py` (where a text came from), `payloads.py` (what is read inside a call's inputs and
  outputs), `messages.py` (a request's messages, by role), `words.py` (a name or a text as its words).

Below the wing, and below the pass that feeds it: `analysis/records/findings.py`, the records every view shows
(`Finding`, `Evidence`, `Blame`, `Diagnosis`) and the kinds; each rule's threshold, with the config key a team
tunes it by, in `analysis/thresholds.py`; a run's outcome in `analysis/failed_run.py`. Nothing here calls a model,
reads a file or the clock: the same trace gives the same diagnosis.
"""
