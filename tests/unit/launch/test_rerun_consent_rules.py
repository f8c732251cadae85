"""launch/consent.py and module_origin.py: which app a rerun may run without asking, and the command it shows.

The judge is given the app as `recorded_target` finds it from a run_start, and a project directory;
modules are looked for on a path and in a module table the test gives, so nothing depends on (or
changes) this process's imports.
"""

from __future__ import annotations

import sys
import types
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

from namel3ss_debug.launch.app import Target
from namel3ss_debug.launch.consent import judge
from namel3ss_debug.launch.module_origin import is_module_name, module_files
from namel3ss_debug.launch.recorded import Recorded, locate, recorded_target
from namel3ss_debug.launch.shown import shown
from namel3ss_debug.model.errors import UsageError

PY = "/usr/bin/python3"


def start(entry: dict[str, Any], argv: list[str], cwd: Path | str) -> dict[str, Any]:
    return {"event_type": "run_start", "attrs": {"entry": entry, "argv": argv, "cwd": str(cwd)}}


def script(path: Path | str) -> dict[str, Any]:
    return {"kind": "script", "path": str(path), "name": Path(path).name}


def module(name: str, directory: Path, *args: str) -> Recorded:
    return Recorded(Target(script=None, module=name, args=args), directory, 0)


def judged(recorded: Recorded, project: Path, modules: dict[str, Any] | None = None) -> Any:
    return judge(locate(recorded, path=[], modules=modules or {}), project, interpreter=PY)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "tool.py").write_text("print('elsewhere')\n")
    return root


# --- scripts -----------------------------------------------------------------------------------------------

def test_the_projects_script_is_plain_and_shown_as_python_runs_it(project):
    recorded = recorded_target(start(script(project / "app.py"), ["app.py", "--flag", "two words"], project), None)
    judgement = judged(recorded, project)
    assert judgement.plain and judgement.reasons == ()
    assert judgement.command == f"cd {project} && {PY} {project / 'app.py'} --flag 'two words'"


def test_a_script_in_a_folder_of_the_project_run_there_is_plain(project):
    (project / "agents").mkdir()
    (project / "agents" / "run.py").write_text("")
    recorded = recorded_target(start(script(project / "agents" / "run.py"), ["run.py"], project / "agents"), None)
    assert judged(recorded, project).plain


def test_a_script_elsewhere_on_disk_is_not_plain(project):
    tool = project.parent / "elsewhere" / "tool.py"
    judgement = judged(recorded_target(start(script(tool), [str(tool)], project), None), project)
    assert judgement.reasons == (f"the script {tool} is outside {project}",)


def test_dot_dot_leaves_the_project_once_resolved(project):
    escape = project / ".." / "elsewhere" / "tool.py"
    judgement = judged(Recorded(Target(script=str(escape), module=None, args=()), project, 0), project)
    assert judgement.reasons == (f"the script {project.parent / 'elsewhere' / 'tool.py'} is outside {project}",)


def test_a_link_inside_the_project_to_a_file_outside_is_judged_by_the_file(project):
    (project / "app_link.py").symlink_to(project.parent / "elsewhere" / "tool.py")
    recorded = recorded_target(start(script(project / "app_link.py"), ["app_link.py"], project), None)
    assert judged(recorded, project).reasons == (f"the script {project.parent / 'elsewhere' / 'tool.py'} is outside "
                                                 f"{project}",)


def test_a_project_reached_through_a_link_is_still_the_project(project, tmp_path):
    (tmp_path / "alias").symlink_to(project)
    recorded = recorded_target(start(script(tmp_path / "alias" / "app.py"), ["app.py"], tmp_path / "alias"), None)
    assert judged(recorded, tmp_path / "alias").plain


def test_a_recorded_directory_outside_the_project_is_not_plain(project):
    recorded = recorded_target(start(script(project / "app.py"), ["app.py"], "/"), None)
    judgement = judged(recorded, project)
    assert judgement.reasons == (f"it runs in /, outside {project}",)
    assert judgement.command.startswith("cd / && ")


def test_cwd_is_the_project_the_app_is_judged_against(project, tmp_path):
    recorded = recorded_target(start(script("/gone/app.py"), ["app.py"], "/gone"), project)
    assert recorded.cwd == project and judged(recorded, project).plain
    assert not judged(recorded, tmp_path / "elsewhere").plain


def test_an_ai_app_outside_is_not_plain_and_runs_in_the_namel3ss_runtime(project):
    app = project.parent / "elsewhere" / "app.ai"
    app.write_text('spec is "1.0"\n')
    entry = {"kind": "namel3ss", "path": str(app), "flow": "greet", "input": '{"city": "Paris"}'}
    judgement = judged(recorded_target(start(entry, [str(app)], project), None), project)
    assert judgement.reasons == (f"the namel3ss app {app} is outside {project}",)
    assert judgement.command == f"cd {project} && namel3ss {app} --flow greet --input '{{\"city\": \"Paris\"}}'"


def test_an_entry_that_is_an_interpreter_option_is_not_plain_even_inside(project):
    (project / "-c").write_text("")
    recorded = Recorded(Target(script=str(project / "-c"), module=None, args=("import os",)), project, 0)
    assert judged(recorded, project).reasons == ("its entry -c is an interpreter option, not an app",)


def test_a_python_c_run_has_no_file_to_run_again(project):
    with pytest.raises(UsageError, match="started as python -c: its code is in no file to run again"):
        recorded_target(start({"kind": "python"}, ["-c", "import os"], project), None)


# --- modules -----------------------------------------------------------------------------------------------

def package(root: Path, name: str, init: str = "") -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "__init__.py").write_text(init)
    (folder / "__main__.py").write_text("print('main')\n")
    return folder


def test_a_package_of_the_project_is_plain_and_runs_its_init_and_main(project):
    folder = package(project, "agentpkg")
    assert module_files("agentpkg", project, [], {}) == [str(folder / "__init__.py"), str(folder / "__main__.py")]
    judgement = judged(module("agentpkg", project, "-v"), project)
    assert judgement.plain and judgement.command == f"cd {project} && {PY} -m agentpkg -v"


def test_a_stdlib_module_is_not_plain_and_shown_with_its_code(project):
    judgement = judge(locate(module("timeit", project, "-s", "import os; os.system('id')", "pass"), modules={}),
                      project, interpreter=PY)
    assert len(judgement.reasons) == 1
    assert judgement.reasons[0].startswith("module timeit runs ") and judgement.reasons[0].endswith(
        f"timeit.py, outside {project}")
    assert judgement.command == f"cd {project} && {PY} -m timeit -s 'import os; os.system('\"'\"'id'\"'\"')' pass"


@pytest.mark.parametrize("name", ["http.server", "pdb", "pip", "json.tool"])
def test_stdlib_and_installed_modules_are_not_plain(project, name):
    judgement = judge(locate(module(name, project)), project, interpreter=PY)
    assert judgement.reasons[0].startswith(f"module {name} runs ") and f"outside {project}" in judgement.reasons[0]


def test_a_built_in_or_frozen_module_is_no_file_of_the_project(project):
    assert judge(locate(module("sys", project), modules={}), project).reasons == (
        f"module sys runs built-in code, not a file of {project}",)
    assert judge(locate(module("__hello__", project), modules={}), project).reasons == (
        f"module __hello__ runs frozen code, not a file of {project}",)


def test_a_project_file_named_like_an_imported_module_is_judged_by_what_runs(project):
    (project / "timeit.py").write_text("")
    assert judged(module("timeit", project), project).plain  # found in the project first
    imported = types.ModuleType("timeit")
    imported.__spec__ = ModuleSpec("timeit", None, origin="/usr/lib/python3/timeit.py")
    assert judged(module("timeit", project), project, {"timeit": imported}).reasons == (
        f"module timeit runs /usr/lib/python3/timeit.py, outside {project}",)


def test_a_submodule_is_found_without_running_its_package(project, tmp_path):
    mark = tmp_path / "imported"
    folder = package(project, "agentpkg", init=f"open({str(mark)!r}, 'w').close()\n")
    (folder / "sub.py").write_text("")
    assert module_files("agentpkg.sub", project, [], {}) == [str(folder / "__init__.py"), str(folder / "sub.py")]
    assert judged(module("agentpkg.sub", project), project).plain
    assert not mark.exists() and "agentpkg" not in sys.modules


def test_a_namespace_package_is_judged_by_its_module(project, tmp_path):
    (project / "space").mkdir()
    (project / "space" / "inside.py").write_text("")
    (tmp_path / "elsewhere" / "space").mkdir()
    (tmp_path / "elsewhere" / "space" / "outside.py").write_text("")
    path = [str(tmp_path / "elsewhere")]
    assert module_files("space.inside", project, path, {}) == [str(project / "space" / "inside.py")]
    judgement = judge(locate(module("space.outside", project), path=path, modules={}), project)
    assert judgement.reasons == (f"module space.outside runs {tmp_path / 'elsewhere' / 'space' / 'outside.py'}, "
                                 f"outside {project}",)


def test_an_empty_path_entry_is_the_directory_the_app_runs_in(project, tmp_path):
    (tmp_path / "elsewhere" / "local.py").write_text("")
    assert module_files("local", tmp_path / "elsewhere", [""], {}) == [str(tmp_path / "elsewhere" / "local.py")]


def test_a_module_not_found_is_a_usage_error_naming_where_it_was_looked_for(project):
    with pytest.raises(UsageError, match=f"module no_such_mod, is not found from {project}"):
        judged(module("no_such_mod", project), project)


@pytest.mark.parametrize("name, reason", [("-c", "its entry -c is an interpreter option, not a module"),
                                          ("timeit -s x", "'timeit -s x' is not a module name"),
                                          ("pkg.", "'pkg.' is not a module name")])
def test_a_name_that_is_no_module_name_is_not_plain(project, name, reason):
    assert judged(module(name, project), project).reasons == (reason,)


def test_module_names():
    assert is_module_name("pkg.sub") and is_module_name("_x1")
    assert not is_module_name("") and not is_module_name("-m") and not is_module_name("a..b")


# --- what is shown -----------------------------------------------------------------------------------------

def test_shown_text_holds_one_line_that_cannot_drive_the_terminal():
    assert shown("a\nb\tc\r\x1b[2J\u202e\\x") == "a\\nb\\tc\\x0d\\x1b[2J\\u202e\\\\x"


def test_the_command_of_an_app_with_controls_in_its_arguments_is_one_line(project):
    judgement = judged(Recorded(Target(script=str(project / "app.py"), module=None,
                                       args=("x\nRun it? [y/N] ", "\x1b]0;title\x07")), project, 0), project)
    assert "\n" not in judgement.command and "\x1b" not in judgement.command and "\x07" not in judgement.command
    assert judgement.command.endswith("'x\\nRun it? [y/N] ' '\\x1b]0;title\\x07'")
