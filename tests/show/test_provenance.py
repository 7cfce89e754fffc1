"""The provenance appendix's sentences: the commit, and whether the build reproduced another."""

from __future__ import annotations

import pandas as pd

from mnist_sgd.show import provenance


def test_the_appendix_says_the_commit_and_whether_it_reproduced():
    clean = provenance.profile_text("full", {"commit": "abc123", "dirty": False}, "2026-01-02 03:04 UTC")
    assert (
        clean == "Profile **full**, appendix written 2026-01-02 03:04 UTC, from commit `abc123` (clean working tree)."
    )
    assert "**with uncommitted changes**" in provenance.profile_text("quick", {"commit": "a", "dirty": True}, "now")
    assert provenance.reproduced_text(None) is None
    assert provenance.reproduced_text("snapshot stop1").startswith("**Reproduced** against snapshot stop1:")
    assert provenance.reproduced_text("/home/me/report").startswith("**Reproduced** against another build:")
    versions = pd.DataFrame({"package": ["torch", "numpy"], "version": ["2.14.1", "2.3.0"]})
    assert (
        provenance.versions_text(versions)
        == "Installed versions of the pinned requirements: torch 2.14.1, numpy 2.3.0."
    )
