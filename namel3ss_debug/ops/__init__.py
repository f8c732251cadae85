"""The use cases: one function per command, taking its options and returning the record the command renders.

Nothing here prints, exits or builds a console: warnings and progress go to the callbacks of the
`Environment` the CLI passes in, and the CLI renders what comes back. A speed-up a command needs (the two
process `analyze`, the offset index of `inspect --event N`) lives here, where tests can call it too.
"""
