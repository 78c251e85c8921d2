"""Status — SuperOffice's Status page: the Status tile's counts, own and unassigned requests,
open requests per category and per handler, created requests and response time per week."""

from board.render import context, render_fatal, render_panels, render_problems, render_ticker

ctx = context("status")
screen = ctx.screen("status")

render_ticker(ctx.runtime, screen.title)
render_problems(ctx.problems)
render_fatal(ctx.runtime)
render_panels(ctx.runtime, screen)
