"""What the one pass keeps for each section of the `analyze` report, one collector a section.

`Tally` (`tally.py`) reads each event once and hands it to the collectors of the sections the report has:

- `overview.py`: events by type, instants by component, the events analysed.
- `timing.py`: each operation's durations and longest span (components, operations, tools), the slowest spans,
  and each run's ended and failed spans per time bucket (the error bursts of anomalies).
- `usage.py`: each model's calls, tokens and costs (llm).
- `errors.py`: failed spans and distinct errors, by operation, type, category and tool, handled or not.
- `patterns.py`: repeated calls, retries and agent loops.
- `anomalies.py`: blocking spans, calls near their context limit, memory samples.
- `integrity.py`: what is wrong with the trace itself (gaps, duplicates, orphans, unmatched and unclosed spans).

The critical path is built on the open spans themselves (`critical.py`), and the diagnosis has its own collector
(`diagnosis/collector/clues.py`). `figures.py` holds the records the collectors keep their figures in.
"""
