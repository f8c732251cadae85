"""`python -m namel3ss_debug` runs the command line."""

from namel3ss_debug.cli.main import main

if __name__ == "__main__":
    main()
