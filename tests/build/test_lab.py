"""make lab's command line: the project's server, bound to localhost with its token on."""

from __future__ import annotations

from pathlib import Path

from mnist_sgd.build import lab
from mnist_sgd.store import paths


def test_make_lab_starts_the_lab_module():
    recipe = (paths.ROOT / "Makefile").read_text().split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "-m mnist_sgd.build.lab --profile $(PROFILE)" in recipe


def test_the_lab_binds_to_localhost_keeps_token_auth_and_saves_tracked_notebooks_clean():
    command = " ".join(lab.lab_command(Path("/project"), ["--no-browser"]))
    assert "--ServerApp.ip=127.0.0.1" in command and "--ServerApp.root_dir=/project" in command
    assert "token=''" not in command and 'token=""' not in command and "disable_check_xsrf" not in command
    assert f"--ContentsManager.pre_save_hook={lab.SAVE_HOOK}" in command and command.endswith("--no-browser")
    module, name = lab.SAVE_HOOK.rsplit(".", 1)
    assert callable(getattr(__import__(module, fromlist=[name]), name))  # the hook Jupyter imports exists


def test_the_summaries_read_the_profiles_build(tmp_path):
    assert lab.lab_environment(tmp_path)["MNIST_SGD_REPORT_DIR"] == str(tmp_path)
