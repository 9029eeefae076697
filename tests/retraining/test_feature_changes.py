"""How the gate words feature-view changes between the champion's run tags and the challenger's."""

from __future__ import annotations

from jupyter_mlops.retraining.features import VIEW_TAG, view_changes, view_names


def test_changed_new_and_dropped_views_are_each_one_line() -> None:
    champion = {f"{VIEW_TAG}stats": "aaaa", f"{VIEW_TAG}orders": "bbbb", "other": "x"}
    challenger = {f"{VIEW_TAG}stats": "cccc", f"{VIEW_TAG}clicks": "dddd"}

    assert view_changes(champion, challenger, "3") == [
        "feature view 'stats' changed since champion version 3 was trained",
        "feature view 'clicks' is new (not used by version 3)",
        "feature view 'orders' is no longer used",
    ]
    assert view_changes(champion, champion, "3") == []


def test_feature_references_name_their_views() -> None:
    assert view_names(["stats:calls", "stats:tenure", "orders:total"]) == (
        None,
        ["orders", "stats"],
        ["stats:calls", "stats:tenure", "orders:total"],
    )
