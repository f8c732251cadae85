"""`namel3ss-debug check`: rules (from flags, a rules file or the workspace `checks` section) judged against
runs. Pure: rules and events in, frozen results out; `ops/check.py` reads the files, `cli/check_cmd.py` prints."""
