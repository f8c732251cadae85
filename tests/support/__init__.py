"""The tests' kit: trace factories, corpora, stub servers and the other helpers the test modules share.

Imported as `support.<module>` (tests/ is on sys.path: pytest's rootdir conftest puts it there).
"""
