"""The labelled corpus of `bench/blame_corpus_convert.py` on a hand-made snapshot in AgentProcessBench's format, and the
turns and positional rules `bench/blame_accuracy.py` reads from what it wrote."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from support.pathmodule import module_at

BENCH = Path(__file__).resolve().parents[3] / "bench"
convert = module_at("blame_corpus_convert", BENCH / "blame_corpus_convert.py")
accuracy = module_at("blame_accuracy", BENCH / "blame_accuracy.py")
team = module_at("blame_corpus_team", BENCH / "blame_corpus_team.py")

SEARCH = {"type": "function", "function": {"name": "search", "description": "Searches.", "parameters": {}}}


def call(call_id: str, query: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": "search", "arguments": json.dumps({"query_list": [query]})}}


def record(final: int, steps: dict[str, int], *, statuses: tuple[str, ...] = ("success", "success")) -> dict[str, Any]:
    """A run as AgentProcessBench stores it: chat messages (tool calls as a Python list's repr), a label per
    assistant message keyed by its index, the run's label, the tools' statuses in call order."""
    return {
        "question": "Which city hosts the Louvre?", "final_label": final, "step_labels": steps, "tools": [SEARCH],
        "tool_metrics": {"search": [{"status": status} for status in statuses]},
        "messages": [
            {"role": "system", "content": "You are a helpful and harmless assistant."},
            {"role": "user", "content": "Which city hosts the Louvre?"},
            {"role": "assistant", "content": "", "tool_calls": repr([call("c1", "Louvre museum city")])},
            {"role": "tool", "name": "search", "content": "timeout", "tool_call_id": "c1"},
            {"role": "assistant", "content": "", "tool_calls": repr([call("c2", "Louvre Lyon")])},
            {"role": "tool", "name": "search", "content": "The Louvre is in Paris.", "tool_call_id": "c2"},
            {"role": "assistant", "content": "<answer>Lyon</answer>"},
        ]}


def snapshot(root: Path) -> Path:
    folder = root / "AgentProcessBench" / "data" / "AgentProcessBench"
    folder.mkdir(parents=True)
    runs = [record(-1, {"2": 1, "4": -1, "6": -1}, statuses=("timeout", "success")),  # failed at message 4
            record(1, {"2": 1, "4": 1, "6": 1}),  # answered right: not a failed run
            record(-1, {"2": 1, "4": 1, "6": 0})]  # failed, no step labelled wrong: skipped
    (folder / "sample.jsonl").write_text("".join(json.dumps(run) + "\n" for run in runs), encoding="utf-8")
    return root / "AgentProcessBench"


def converted(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / "corpus"
    convert.convert(snapshot(tmp_path), out)
    return out, json.loads((out / "labels.json").read_text(encoding="utf-8"))


def spans(path: Path) -> list[dict[str, Any]]:
    """The end events of the run's spans, in order, and its run_end."""
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [event for event in events if event["event_type"].endswith("_end")]


def test_only_the_failed_labelled_run_is_written_with_its_decisive_turn(tmp_path: Path) -> None:
    out, labels = converted(tmp_path)
    [(run_id, label)] = labels.items()
    assert label == {"file": "sample/0000.jsonl", "dataset": "sample", "source": "sample.jsonl#0",
                     "agent": "assistant", "turn": 2, "address": "agent:assistant#2", "system": "sample-agent",
                     "steps": 4}
    assert [path.name for path in (out / "sample").iterdir()] == ["0000.jsonl"]
    assert {event["run_id"] for event in spans(out / label["file"])} == {run_id}


def test_each_message_is_a_turn_of_its_speaker_under_the_systems_span(tmp_path: Path) -> None:
    out, labels = converted(tmp_path)
    events = [json.loads(line) for line in (out / "sample/0000.jsonl").read_text(encoding="utf-8").splitlines()]
    [system] = [event for event in events if event["event_type"] == "agent_execution_start"]
    assert (system["name"], system["inputs"]["system"]) == ("sample-agent",
                                                            "You are a helpful and harmless assistant.")
    turns = [event for event in events if event["event_type"] == "agent_turn_start"]
    assert [(turn["name"], turn["attrs"]["turn"], turn["parent_id"]) for turn in turns] == [
        ("user", 1, system["span_id"]), ("assistant", 1, system["span_id"]), ("assistant", 2, system["span_id"]),
        ("assistant", 3, system["span_id"])]
    ended = {event["span_id"]: event for event in spans(out / "sample/0000.jsonl")}
    assert ended[turns[0]["span_id"]]["outputs"] == {"output": "Which city hosts the Louvre?"}
    assert ended[turns[3]["span_id"]]["outputs"] == {"output": "<answer>Lyon</answer>"}


def test_a_model_call_and_its_tool_calls_run_in_the_assistants_turn_a_failed_call_failed(tmp_path: Path) -> None:
    out, _ = converted(tmp_path)
    events = [json.loads(line) for line in (out / "sample/0000.jsonl").read_text(encoding="utf-8").splitlines()]
    turns = {event["span_id"]: event["attrs"]["turn"] for event in events if event["event_type"] == "agent_turn_start"}
    ended = spans(out / "sample/0000.jsonl")
    calls = [(event["event_type"], event["name"], turns.get(event["parent_id"]), event["status"])
             for event in ended if event["component"] in ("llm", "tool")]
    assert calls == [("llm_call_end", "chat", 1, "completed"), ("tool_call_end", "search", 1, "failed"),
                     ("llm_call_end", "chat", 2, "completed"), ("tool_call_end", "search", 2, "completed"),
                     ("llm_call_end", "chat", 3, "completed")]
    started = {event["span_id"]: event for event in events if event["event_type"].endswith("_start")}
    [failed, answered] = [event for event in ended if event["component"] == "tool"]
    assert failed["error"]["message"] == "timeout" and started[failed["span_id"]]["attrs"]["tool_call_id"] == "c1"
    assert answered["outputs"] == {"return": "The Louvre is in Paris."}
    assert started[answered["span_id"]]["inputs"] == {"query_list": ["Louvre Lyon"]}
    asker = started[answered["span_id"]]["attrs"]["llm_span_id"]
    [asked] = [event for event in ended if event["span_id"] == asker]
    assert asked["outputs"]["tool_calls"] == [{"id": "c2", "name": "search",
                                               "arguments": {"query_list": ["Louvre Lyon"]}}]
    # what the model read since its last turn: the failed call's text
    assert started[asker]["inputs"]["messages"][0]["content"] == "timeout"
    assert ended[-1]["event_type"] == "run_end" and ended[-1]["status"] == "failed"


def test_the_benchmark_counts_turns_and_positions_on_the_written_run(tmp_path: Path) -> None:
    out, labels = converted(tmp_path)
    [(run_id, label)] = labels.items()
    turns = accuracy.turns_of(out / label["file"])
    assert turns.agents == ["user", "assistant", "assistant", "assistant"]
    ended = spans(out / label["file"])
    [failed] = [event for event in ended if event["component"] == "tool" and event["status"] == "failed"]
    assert turns.turn_of[failed["span_id"]] == 1
    assert accuracy.positional(turns) == {"first": ("assistant", 1), "most": ("assistant", 1)}
    read = accuracy.read_run(out, run_id, label)
    assert (read.label, read.rules["first"], read.system) == (("assistant", 2), ("assistant", 1), label["system"])
    judged = accuracy.judge(read, {})
    assert judged.blame[1] is not None and judged.top[0] == judged.blame


def test_positional_rules_skip_the_user_and_the_orchestrator_and_count_who_speaks_most() -> None:
    turns = accuracy.Turns(["human", "Orchestrator (thought)", "WebSurfer", "Coder", "Orchestrator", "Coder"], {})
    assert accuracy.positional(turns) == {"first": ("WebSurfer", 2), "most": ("Coder", 3)}
    team = accuracy.Turns(["user", "Team Leader", "Product Manager", "Team Leader", "Engineer", "Team Leader"], {})
    assert accuracy.positional(team) == {"first": ("Product Manager", 2), "most": ("Product Manager", 2)}


def test_a_snapshot_without_the_data_is_one_line(tmp_path: Path) -> None:
    try:
        convert.convert(tmp_path, tmp_path / "out")
    except SystemExit as exc:
        assert str(exc) == ("blame_corpus_convert: no data/AgentProcessBench/*.jsonl or data/tracertraj-*.parquet "
                            f"under {tmp_path}")
    else:
        raise AssertionError("converted a snapshot with no data")


def test_a_line_that_is_not_a_record_is_one_line_saying_where(tmp_path: Path) -> None:
    folder = snapshot(tmp_path) / "data" / "AgentProcessBench"
    with (folder / "sample.jsonl").open("a", encoding="utf-8") as data:
        data.write('{"messages": [\n')
    try:
        convert.convert(folder.parents[1], tmp_path / "out")
    except SystemExit as exc:
        assert str(exc).startswith(f"blame_corpus_convert: {folder / 'sample.jsonl'}:4: not a JSON record (")
        assert "\n" not in str(exc)
    else:
        raise AssertionError("converted a snapshot with a broken line")


def test_a_labelled_run_whose_file_is_gone_is_one_line_naming_it(tmp_path: Path) -> None:
    out, labels = converted(tmp_path)
    [(run_id, label)] = labels.items()
    (out / label["file"]).unlink()
    try:
        accuracy.read_runs(out, labels)
    except SystemExit as exc:
        assert str(exc).startswith(f"blame_accuracy: run {run_id} of {out / 'labels.json'}: FileNotFoundError(")
    else:
        raise AssertionError("judged a run with no file")


def prompt(agent: str, goal: str) -> dict[str, Any]:
    """What MetaGPT logs before an agent's model call: the prompt it built, as a message of its own."""
    return {"name": agent, "role": "assistant",
            "content": f"{agent} thinking: \n# Past Experience\n<experience>\n\n# Current Plan\n[GOAL] {goal}\n"}


def reply(agent: str, text: str, commands: list[dict[str, Any]], terminal: str = "") -> dict[str, Any]:
    """The model's answer: its thoughts, the commands as a fenced JSON array, the terminal's output after."""
    return {"name": agent, "role": "assistant",
            "content": f"{agent} thinking: {text}\n\n```json\n{json.dumps(commands)}\n```{terminal}"}


def terminal(command: str, output: str) -> str:
    return f"\n\nTerminal output: [command]: {command} \n[command output] : {output}"


def team_run(step: str) -> dict[str, Any]:
    """A failed MetaGPT run as AgenTracer's TracerTraj stores it: the team's log as history (every message an
    `assistant` one, named by its agent), the injected mistake's agent and step (an index into history)."""
    history = [
        prompt("Team Leader", "[Message] from User to Mike: write add(a, b)\n\n# Add\nNo Plan \n"),
        reply("Team Leader", "Alex will write it.",
              [{"command_name": "TeamLeader.publish_message", "args": {"content": "Write add", "send_to": "Alex"}}]),
        {"name": "Team Leader", "role": "assistant",
         "content": "Team Leader sends to Alex: Write add" + terminal("pwd", "/workspace")},
        prompt("Engineer", "[Message] from Mike to Alex: Write add"),
        reply("Engineer", "I will write and run it.",
              [{"command_name": "Editor.write", "args": {"path": "add.py", "content": "def add(a, b): return a - b"}},
               {"command_name": "Terminal.run_command", "args": {"cmd": "python3 add.py"}}],
              terminal("python3 add.py", "Traceback (most recent call last):\nNameError: name 'b' is not defined")
              + terminal("pwd", "/workspace")),
        prompt("Engineer", "[Message] from Mike to Alex: Write add"),
        reply("Engineer", "Fixed.", [{"command_name": "Terminal.run_command", "args": {"cmd": "python3 add.py"}}],
              terminal("python3 add.py", "-1\n")),
    ]
    return {"question_ID": "Add_1_I", "question": "Write add(a, b).", "ground_truth": "def add(a, b): return a + b",
            "history": [{**message, "step": index} for index, message in enumerate(history)],
            "mistake_agent": "Engineer", "mistake_step": step, "mistake_reason": "a - b instead of a + b"}


def tracertraj(root: Path) -> Path:
    """A TracerTraj file as JSON lines, one run a line: the injected mistake at the Engineer's prompt, at its answer,
    and past the end of the log (not a step: skipped)."""
    path = root / "tracertraj-code-test.jsonl"
    path.write_text("".join(json.dumps(team_run(step)) + "\n" for step in ("3", "4", "9")), encoding="utf-8")
    return path


def test_a_team_run_has_a_turn_per_model_call_of_each_agent_and_the_mistake_in_its_turn(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    convert.convert(tracertraj(tmp_path), out)
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert [{key: label[key] for key in ("file", "dataset", "source", "agent", "turn", "address")}
            for label in labels.values()] == [
        {"file": "tracertraj-code-test/0000.jsonl", "dataset": "tracertraj-code-test",
         "source": "tracertraj-code-test.jsonl#0", "agent": "Engineer", "turn": 2, "address": "agent:Engineer#1"},
        {"file": "tracertraj-code-test/0001.jsonl", "dataset": "tracertraj-code-test",
         "source": "tracertraj-code-test.jsonl#1", "agent": "Engineer", "turn": 2, "address": "agent:Engineer#1"}]
    events = [json.loads(line) for line in (out / "tracertraj-code-test/0000.jsonl").read_text(
        encoding="utf-8").splitlines()]
    [system] = [event for event in events if event["event_type"] == "agent_execution_start"]
    assert (system["name"], system["inputs"]) == ("metagpt", {"task": "Write add(a, b)."})
    turns = [event for event in events if event["event_type"] == "agent_turn_start"]
    assert [(turn["name"], turn["attrs"]["turn"]) for turn in turns] == [
        ("user", 1), ("Team Leader", 1), ("Engineer", 1), ("Engineer", 2)]
    # the user's message to the team, as the Team Leader's first prompt quotes it
    [said] = [event for event in events if event["event_type"] == "agent_turn_end" and event["name"] == "user"]
    assert said["outputs"] == {"output": "write add(a, b)\n\n# Add"}
    assert accuracy.turns_of(out / "tracertraj-code-test/0000.jsonl").agents == [
        "user", "Team Leader", "Engineer", "Engineer"]
    assert {(label["system"], label["steps"]) for label in labels.values()} == {("metagpt-kodcode", 4)}


def tau2_run() -> dict[str, Any]:
    """A failed tau2-bench airline run as AgentProcessBench stores it: the policy as the system message, the agent's
    greeting first, the simulated user's replies, tool calls as a list, each agent message labelled by its index."""
    lookup = {"id": "c1", "type": "function",
              "function": {"name": "get_reservation_details", "arguments": json.dumps({"reservation_id": "K1NW8N"})}}
    cancel = {"id": "c2", "type": "function",
              "function": {"name": "cancel_reservation", "arguments": json.dumps({"reservation_id": "K1NW8N"})}}
    return {"record_id": "tau2_airline:0:0", "data_source": "tau2_airline", "final_label": -1,
            "step_labels": {"1": 1, "3": 1, "5": -1, "7": -1},
            "messages": [
                {"role": "system", "content": "# Airline Agent Policy\nBasic economy flights cannot be modified."},
                {"role": "assistant", "content": "Hi! How can I help you today?"},
                {"role": "user", "content": "Cancel reservation K1NW8N, please. My user id is mia_li_3668."},
                {"role": "assistant", "content": "", "tool_calls": [lookup]},
                {"role": "tool", "content": '{"cabin": "basic_economy", "insurance": "no"}', "tool_call_id": "c1"},
                {"role": "assistant", "content": "", "tool_calls": [cancel]},
                {"role": "tool", "content": '{"status": "cancelled"}', "tool_call_id": "c2"},
                {"role": "user", "content": "Thanks. ###STOP###"},
                {"role": "assistant", "content": "Your reservation K1NW8N is cancelled."}]}


def test_a_tau2_airline_run_is_its_own_system_the_simulated_user_a_speaker_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "AgentProcessBench" / "data" / "AgentProcessBench"
    folder.mkdir(parents=True)
    (folder / "tau2.jsonl").write_text(json.dumps(tau2_run()) + "\n", encoding="utf-8")
    out = tmp_path / "corpus"
    convert.convert(tmp_path / "AgentProcessBench", out)
    [label] = json.loads((out / "labels.json").read_text(encoding="utf-8")).values()
    # the cancellation (message 5) is the first agent message labelled wrong: the agent's third turn, the run's fourth
    assert {key: label[key] for key in ("system", "agent", "turn", "address", "steps")} == {
        "system": "tau2-airline", "agent": "assistant", "turn": 3, "address": "agent:assistant#3", "steps": 6}
    assert accuracy.turns_of(out / label["file"]).agents == [
        "assistant", "user", "assistant", "assistant", "user", "assistant"]


def test_a_team_runs_commands_are_tool_calls_a_failed_execution_failed_one_with_no_outcome_gave_nothing(
        tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    convert.convert(tracertraj(tmp_path), out)
    events = [json.loads(line) for line in (out / "tracertraj-code-test/0000.jsonl").read_text(
        encoding="utf-8").splitlines()]
    started = {event["span_id"]: event for event in events if event["event_type"].endswith("_start")}
    turn_of = {span_id: event["attrs"]["turn"] for span_id, event in started.items()
               if event["event_type"] == "agent_turn_start"}
    calls = [(event["name"], started[event["parent_id"]]["name"], turn_of[event["parent_id"]], event["status"],
              event.get("outputs"))
             for event in events if event["event_type"] in ("llm_call_end", "tool_call_end")]
    assert [call[:4] for call in calls] == [
        ("chat", "Team Leader", 1, "completed"), ("TeamLeader.publish_message", "Team Leader", 1, "completed"),
        ("chat", "Engineer", 1, "completed"), ("Editor.write", "Engineer", 1, "completed"),
        ("Terminal.run_command", "Engineer", 1, "failed"),
        ("chat", "Engineer", 2, "completed"), ("Terminal.run_command", "Engineer", 2, "completed")]
    # the message sent, what the terminal printed; the log keeps no result of the editor's write: nothing
    assert (calls[1][4], calls[3][4], calls[6][4]) == ({"return": "Write add"}, {"return": None}, {"return": "-1\n"})
    [failed] = [event for event in events if event["event_type"] == "tool_call_end" and event["status"] == "failed"]
    assert failed["error"]["message"].endswith("NameError: name 'b' is not defined")
    [asked] = [event for event in events if event["event_type"] == "llm_call_start"
               and started[event["parent_id"]]["name"] == "Engineer"][:1]
    # the log's "<agent> thinking:" is MetaGPT's logging, not the model's text
    assert asked["inputs"]["messages"][0]["content"] == (
        "# Past Experience\n<experience>\n\n# Current Plan\n[GOAL] [Message] from Mike to Alex: Write add\n")
    [answer] = [event for event in events if event["event_type"] == "llm_call_end"
                and event["span_id"] == asked["span_id"]]
    # the answer as the model wrote it, and every command of it among its calls, each answered by a tool span
    assert answer["outputs"]["text"].startswith('I will write and run it.\n\n```json\n[{"command_name": "Editor.write"')
    assert [call["name"] for call in answer["outputs"]["tool_calls"]] == ["Editor.write", "Terminal.run_command"]
    assert answer["outputs"]["tool_calls"][0]["arguments"] == {"path": "add.py",
                                                                "content": "def add(a, b): return a - b"}
    assert started[failed["span_id"]]["attrs"]["llm_span_id"] == asked["span_id"]
    assert events[-1]["event_type"] == "run_end" and events[-1]["status"] == "failed"


def test_a_models_json_is_read_as_leniently_as_metagpt_reads_it() -> None:
    assert team.lenient_json('[{"args": {"content": """\ndef f():\n    return "x"\n"""}}]') == [
        {"args": {"content": 'def f():\n    return "x"\n'}}]
    assert team.lenient_json('[{"args": {"pattern": "\\d+ and \\\\"}}]') == [{"args": {"pattern": "\\d+ and \\"}}]
    assert team.lenient_json('[{"args": {"content": "a\tb\nc"}}]') == [{"args": {"content": "a\tb\nc"}}]
    assert team.lenient_json("[{not json") is None


def test_a_second_source_converted_into_the_same_folder_keeps_the_first_ones_labels(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    convert.convert(snapshot(tmp_path), out)
    convert.convert(tracertraj(tmp_path), out)
    convert.convert(tracertraj(tmp_path), out)  # again: the same runs replace those it wrote
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert sorted((label["dataset"], label["file"]) for label in labels.values()) == [
        ("sample", "sample/0000.jsonl"), ("tracertraj-code-test", "tracertraj-code-test/0000.jsonl"),
        ("tracertraj-code-test", "tracertraj-code-test/0001.jsonl")]
    assert all((out / label["file"]).is_file() for label in labels.values())


def test_a_parquet_file_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tracertraj-code-test.parquet"
    path.write_bytes(b"not parquet")
    try:
        convert.convert(path, tmp_path / "out")
    except SystemExit as exc:
        said = str(exc)
    else:
        raise AssertionError("converted a file that is not parquet")
    if importlib.util.find_spec("pyarrow") is None:
        assert said == f"blame_corpus_convert: reading {path} needs pyarrow (pip install pyarrow)"
    else:
        assert said.startswith(f"blame_corpus_convert: {path}: not a parquet file (") and "\n" not in said



def read(system: str, label: tuple[str, int], steps: dict[str, tuple[str, int]]) -> Any:
    return accuracy.Read(f"{system}-{label}", system, label, accuracy.Turns([], {}), {}, None, steps)


def test_a_paths_figures_are_counted_per_system_from_every_rules_step() -> None:
    reads = [read("a", ("E", 2), {"answer.picked": ("E", 2), "finding": ("P", 0)}),
             read("a", ("E", 3), {"answer.picked": ("E", 1)}),
             read("b", ("P", 1), {"answer.picked": ("E", 1)})]
    assert accuracy.table_of(reads) == {"answer.picked": {"a": (2, 2, 1), "b": (1, 0, 1)}, "finding": {"a": (1, 0, 0)}}


def test_each_system_is_scored_with_the_table_of_the_others_alone(monkeypatch: Any) -> None:
    seen: list[tuple[str, Any]] = []
    monkeypatch.setattr(accuracy, "judge", lambda one, table: seen.append((one.system, table)))
    reads = [read("a", ("E", 2), {"answer.picked": ("E", 2)}), read("b", ("E", 1), {"answer.picked": ("E", 0)})]
    accuracy.left_out(reads)
    assert seen == [("a", {"answer.picked": {"b": (1, 1, 0)}}), ("b", {"answer.picked": {"a": (1, 1, 1)}})]
