"""The blame of a failed run (`judge.py`), its rules one file each, and how sure each of its paths is."""
