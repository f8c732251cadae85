"""How each path of the blame did on the labelled public corpus, system by system: for each path (`BlameVerdict.path`)
and system, (failed runs the path pointed at a step in, of those the runs whose labelled agent it named, the runs
whose labelled step it named). Written by `bench/blame_accuracy.py CORPUS --write` from the corpus that
`bench/README.md` says how to build; `calibration.py` reads levels and order from it. Not edited by hand.
"""

MEASURED: dict[str, dict[str, tuple[int, int, int]]] = {
    'answer.file_first_write': {'metagpt-kodcode': (92, 82, 58)},
    'answer.file_replaced': {'metagpt-kodcode': (32, 24, 13)},
    'answer.name_introduced': {'hotpotqa-agent': (36, 36, 20), 'metagpt-kodcode': (3, 1, 1)},
    'answer.number_introduced': {'hotpotqa-agent': (16, 16, 9)},
    'answer.picked': {'hotpotqa-agent': (11, 11, 9)},
    'answer.quoted_introduced': {'hotpotqa-agent': (17, 17, 7)},
    'error.file_raised': {'metagpt-kodcode': (3, 3, 0)},
    'error.value_made_up': {'metagpt-kodcode': (2, 0, 0)},
    'fallback.final_step': {'hotpotqa-agent': (7, 7, 6)},
    'fallback.tool_source': {'hotpotqa-agent': (2, 2, 0)},
    'finding': {'metagpt-kodcode': (6, 6, 0)},
}
