"""`check --junit FILE`: JUnit XML that CI servers read: a testsuite per run, a testcase per rule.

A failed rule is `<failure message="..." type="KEY">` with the events and details as its text. XML 1.0
cannot hold most control characters at all, so every text from a trace is made visible first (`\\x1b`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ...checks.results import CheckReport, CheckResult, RunCheck
from ...model.outputs import write_output
from ..text import visible


def junit_tree(report: CheckReport) -> ET.ElementTree:
    root = ET.Element("testsuites", name="namel3ss-debug check",
                      tests=str(sum(len(run.results) for run in report.runs)), failures=str(report.failed))
    for run in report.runs:
        _suite(root, run)
    ET.indent(root)
    return ET.ElementTree(root)


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: controls made visible, and the two noncharacters it forbids too."""
    return visible(text).replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")


def _suite(root: ET.Element, run: RunCheck) -> None:
    suite = ET.SubElement(root, "testsuite", name=_xml(f"namel3ss-debug check {run.run_id}"),
                          tests=str(len(run.results)), failures=str(len(run.failed)), errors="0", skipped="0")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="source", value=_xml(run.source))
    for result in run.results:
        _case(suite, run, result)


def _case(suite: ET.Element, run: RunCheck, result: CheckResult) -> None:
    case = ET.SubElement(suite, "testcase", classname=_xml(f"namel3ss-debug.check.{run.run_id}"),
                         name=_xml(result.rule), time="0")
    if result.passed:
        ET.SubElement(case, "system-out").text = _xml(f"{result.value} (limit {result.limit})")
        return
    failure = ET.SubElement(case, "failure", message=_xml(result.message), type=result.key)
    lines = [f"rule: {result.rule} (from {result.origin})", f"limit: {result.limit}", f"value: {result.value}",
             *(f"event: {ref.describe()}" for ref in result.events),
             *([f"and {result.more_events} more events"] if result.more_events else []),
             *(f"detail: {detail}" for detail in result.details)]
    failure.text = _xml("\n".join(lines))


def write_junit(report: CheckReport, path: Path) -> None:
    """Write the XML to `path`, atomically (`model.outputs.write_output`): a CI step never reads half a file."""
    write_output(path, lambda stream: junit_tree(report).write(stream, encoding="utf-8", xml_declaration=True))
