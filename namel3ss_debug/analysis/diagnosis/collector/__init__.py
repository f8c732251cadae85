"""The diagnosis's collector (`clues.py`) and the note-takers it calls as the pass goes by each event."""
