"""The sharing benchmark's report: the section is found, replaced and kept."""

from __future__ import annotations

from bench import sharing


def test_section_round_trip() -> None:
    listing = {
        "owner, personal space": [0.010, 0.011, 0.012],
        "sharee (Viewer), through the Shares space": [0.011, 0.012, 0.013],
        "owner and Manager, project space": [0.010, 0.010, 0.010],
        "member (Space Viewer), project space": [0.013, 0.013, 0.013],
    }
    ops = {"create a share (Graph invite)": [0.002, 0.003]}
    section = sharing._section(listing, ops, 1.0)
    assert section.startswith(sharing.BEGIN)
    assert "worst measured 1.30x: **no**" in section
    page = "# Benchmarks\n\nintro\n"
    once = sharing.splice(page, section)
    assert sharing.extract(once) == section
    twice = sharing.splice(once, section)
    assert twice == once  # replaced in place, not appended again
