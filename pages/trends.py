"""Trends — created requests per day, week and month; response time per day, week and month."""

from board.render import context, render_fatal, render_panels, render_problems, render_ticker

ctx = context("trends")
screen = ctx.screen("trends")

render_ticker(ctx.runtime, screen.title)
render_problems(ctx.problems)
render_fatal(ctx.runtime)
render_panels(ctx.runtime, screen)
