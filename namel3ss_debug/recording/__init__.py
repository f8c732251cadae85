"""A recorded run, loaded: its timeline (`timeline`, read by `load`, built by `builder` and `place`, kept by
`kept`), its calls by where they happen (`calls.Recording`, `call_paths`) and the mocks that change what it
says a call returned (`mocks`). Replay steps through it; the rerun answers from it.
"""
