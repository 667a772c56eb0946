"""YAML built to exhaust a parser."""

from __future__ import annotations

import itertools

LEVELS = "abcdefgh"


def alias_bomb(levels: int, *, as_key: bool) -> str:
    """The 'billion laughs': each level a list of nine aliases of the level before."""
    lines = [f'{LEVELS[0]}: &{LEVELS[0]} ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for before, level in itertools.pairwise(LEVELS[:levels]):
        lines.append(f"{level}: &{level} [{','.join([f'*{before}'] * 9)}]")
    last = LEVELS[levels - 1]
    if as_key:
        lines.append(f"? [{','.join([f'*{last}'] * 9)}]\n: 1")
    return "\n".join(lines) + "\n"
