"""One screen of the board: board.render.screen draws the screen of this id."""

from board.render import screen

screen("desks")
