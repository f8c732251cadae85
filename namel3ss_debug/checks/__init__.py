"""`namel3ss-debug check`: rules (from flags, a rules file or the workspace `checks` section) judged against
runs. Pure: rules and events in, frozen results out; `cli/check_cmd.py` reads the files and prints."""
