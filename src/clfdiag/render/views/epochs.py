"""The view of ``clfdiag epochs``: the trajectory view."""

from __future__ import annotations

from clfdiag.render.command_view import CommandView
from clfdiag.render.views.trajectory import (
    trajectory_document,
    trajectory_figures,
    trajectory_rows,
)

VIEW = CommandView(trajectory_document, trajectory_rows, trajectory_figures)
