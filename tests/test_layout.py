"""The library's layout: each subpackage says what lives there, no import cycle, no module too long."""

from __future__ import annotations

import ast

from mnist_sgd.build import identity

MAX_LINES = 450  # a module longer than this holds more than one job


def modules():
    return sorted(identity.PACKAGE.rglob("*.py"))


def library_imports(path):
    """The library files a module imports, at module level or inside functions (not under
    TYPE_CHECKING), by the rules the jobs' identity follows."""
    name = identity._module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for imported in identity._imports(ast.parse(path.read_bytes()), package):
        found |= set(identity._files_of(imported))
    return found - {path}


def cycles(graph):
    """The import cycles of ``graph`` (node -> nodes), each as a list of nodes."""
    found, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_every_subpackage_says_in_its_docstring_what_lives_there():
    for init in identity.PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.split()) >= 5, f"{init.relative_to(identity.PACKAGE)}: no docstring"


def test_no_module_is_longer_than_it_should_be():
    long = {
        p.relative_to(identity.PACKAGE).as_posix(): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


def test_no_import_cycle_among_the_library_modules():
    graph = {p: library_imports(p) for p in modules()}
    found = cycles(graph)
    assert not found, [" -> ".join(p.relative_to(identity.PACKAGE).as_posix() for p in cycle) for cycle in found]


def test_the_cycle_check_can_fail():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
