"""Workload — open requests per top category, user group, priority, status and origin, and
the hotlist."""

from board.render import context, render_fatal, render_panels, render_problems, render_ticker

ctx = context("workload")
screen = ctx.screen("workload")

render_ticker(ctx.runtime, screen.title)
render_problems(ctx.problems)
render_fatal(ctx.runtime)
render_panels(ctx.runtime, screen)
