"""docs/jupyterhub.md and tests/hub/test_term.py stay in step: the blocks the term test runs
are there, under their names, with the settings the test puts its own values in. Runs
everywhere (no hub, no root): a renamed block or setting fails here, not only on CI."""

import ast

from tests.hub import harness as H

#: each block the term test runs, and the settings (VAR= lines) it gives its own values
RUN = {
    "venv": {"VENV", "WHEELS"},
    "course": {"VENV", "WHEELS", "CHAPTERS", "COURSE", "EXCHANGE", "JUPYTER_ETC"},
    "hub-config": {"VENV", "COURSE", "JUPYTER_ETC", "INSTRUCTORS", "GRADER_PORT"},
    "roster": {"COURSE", "VENV"},
    "duedate": {"COURSE", "A", "DUE", "VENV"},
    "regrade": {"COURSE", "A", "VENV"},
    "export": {"COURSE", "VENV"},
}


def test_every_block_the_term_runs_is_in_the_doc_with_its_settings():
    blocks = H.doc_blocks()
    assert set(RUN) <= set(blocks), set(RUN) - set(blocks)
    for name, settings in RUN.items():
        text = H.block(name, {s: f"<{s}>" for s in settings})
        missing = [s for s in settings if repr(f"<{s}>") not in text]
        assert not missing, (name, missing)


def test_the_hub_config_block_is_python_that_sets_the_services_and_roles():
    text = H.block("hub-config", {})
    tree = ast.parse(text)
    targets = {ast.unparse(t) for node in ast.walk(tree) if isinstance(node, ast.Assign)
               for t in node.targets}
    assert {"c.JupyterHub.services", "c.JupyterHub.load_roles", "c.Spawner.cmd"} <= targets


def test_a_setting_takes_the_tests_value_and_nothing_else_changes():
    doc = H.doc_blocks()["duedate"]
    ours = H.block("duedate", {"DUE": "2030-01-01 00:00:00 UTC"})
    assert "DUE='2030-01-01 00:00:00 UTC'" in ours and "Europe/Paris" not in ours
    changed = [(a, b) for a, b in zip(doc.splitlines(), ours.splitlines()) if a != b]
    assert len(changed) == 1, changed
