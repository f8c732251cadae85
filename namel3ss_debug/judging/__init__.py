"""Judging what a rerun showed: how a run ended (`outcome`), what its calls said against the recording's
(`said`, `call_compare`, `compare`), the verdict (`verdict`), and the records `replay --rerun`, `verify` and
`bisect` show (`report`, `verify_report`, `bisect_report`; `bisect` is the search). Pure: runs in, records out.
"""
