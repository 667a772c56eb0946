"""What test modules share: real repositories, registries, servers and the CLI runner.

Test modules import from here (and from tests/fixtures), never from one another;
tests/test_structure.py holds them to it.
"""
