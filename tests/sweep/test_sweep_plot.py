"""The sweep figure: a panel per varied field and one ranking the configurations."""

from __future__ import annotations

from sweep_helpers import small_sweep

from glassnet.parallel import SerialExecutor
from glassnet.sweep import best_configurations, run_sweep
from glassnet.viz.sweep import sweep_figure


def test_one_panel_per_field_and_a_ranking_with_the_failures_counted():
    result = run_sweep(small_sweep(), None, SerialExecutor())
    figure = sweep_figure(result.rows, result.varied, "validation_loss")
    lr_axis, hidden_axis, ranking = figure.axes
    assert [t.get_text() for t in lr_axis.get_xticklabels()] == ["0.1", "1e+06"]
    assert [t.get_text() for t in hidden_axis.get_xticklabels()] == ["[4]", "[8, 8]"]
    notes = [t.get_text() for ax in figure.axes for t in ax.texts]
    diverged = sum(row["status"] != "ok" for row in result.rows)
    assert f"{diverged} not ok" in notes  # on the lr panel, at 1e+06
    metric, ranked = best_configurations(result.rows, result.varied, "validation_loss")
    shown = [c for c in ranked if c.scores]
    labels = [t.get_text() for t in ranking.get_yticklabels()]
    assert labels == [c.label() for c in shown]  # best (lowest cost) at the top
    assert shown[0].mean <= shown[-1].mean and metric == "validation_loss"
    assert "lr=0.1 hidden=[4]" in labels
