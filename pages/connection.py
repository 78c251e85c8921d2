"""Connection — for whoever sets the screen up: endpoint (no secrets), credentials in words,
poll figures, the last error in plain words and the raw frame."""

from board.render import context, render_connection, render_fatal, render_problems, render_ticker

ctx = context("connection")

render_ticker(ctx.runtime, "Connection")
render_problems(ctx.problems)
render_fatal(ctx.runtime)
render_connection(ctx.runtime)
