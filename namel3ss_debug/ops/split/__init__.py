"""One command's work on two cores, all of it here: where a big run is cut (`cut`), the forked process and its
pipe (`child`, `pipe`, `forked`), the second half read there (`second_half`), and the halves of `analyze` and
`check` (`analyze_halves`) and of `replay` (`replay_halves`). What the engines do with two halves (merging
tallies, scans and timelines) is the engines' own: `analysis/merge.py`, `checks/scan_merge.py`,
`replay/joined.py`."""
