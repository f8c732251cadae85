"""The records of a pass, below both the pass that fills them and the diagnosis that reads them.

- `report.py`: the `analyze` report, one record per section (the run rules read its `CriticalPath`, `Patterns`
  and `SlowOperations`);
- `findings.py`: the diagnosis's records (`Finding`, `Evidence`, `Blame`, `Diagnosis`) and the kinds, which the
  report holds in its `findings` section;
- `refs.py`: `Ref`, where something happened, which every record points with.

They import nothing of `analysis/`: the pass and the diagnosis both name them, and neither imports the other to.
"""
