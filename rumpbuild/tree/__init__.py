"""A NetBSD source tree: where it is, what it holds, and its Makefiles evaluated."""

from rumpbuild.tree.locate import Tree, example_tree_path, find_tree

__all__ = ["Tree", "find_tree", "example_tree_path"]
