"""One YAML loader for every file a user hands to globalfit: run configs, dataset specs, the config of a result folder.

The files are small (a run config is about 1 kB), so anything far outside that is refused before it can cost time or
memory:

- **size**: at most :data:`MAX_BYTES` bytes, checked on the raw bytes before parsing;
- **encoding**: UTF-8 only (a UTF-8 byte-order mark is accepted); other bytes give the line of the first bad byte;
- **depth**: at most :data:`MAX_DEPTH` nested mappings/sequences (PyYAML's composer recurses once per level, so
  10 000 levels would end in a ``RecursionError``);
- **aliases**: ``*ref`` is allowed (``<<: *defaults`` is handy), but the document as it would be after expanding every
  alias may hold at most :data:`MAX_NODES` nodes and :data:`MAX_DEPTH` levels. PyYAML itself shares the aliased
  objects, so a "billion laughs" document loads in microseconds; the damage is done later by whatever walks the tree
  (pydantic, ``model_dump``, ``yaml.safe_dump``), which sees 10^9 nodes. The budget is computed on the composed
  node graph (each node once), so refusing a bomb takes time linear in the file; recursive aliases are refused;
- **duplicate keys**: refused, naming the lines of both (YAML says keys are unique; PyYAML silently keeps the last);
- **floats**: YAML 1.2 style, so ``1e-3`` is a float (YAML 1.1 and PyYAML read it as a string) and ``.nan``,
  ``.inf`` parse; whether a non-finite value is acceptable is for the schema to decide;
- **echo**: any piece of the input quoted back in a message is clipped to :data:`MAX_ECHO` characters.

Every refusal is a :class:`~globalfit.errors.ConfigError` (or the error class the caller passes, e.g.
:class:`~globalfit.errors.DataError` for dataset specs) naming the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from globalfit.errors import ConfigError, GlobalfitError

#: Largest file accepted [bytes]. The largest file shipped is under 2 kB.
MAX_BYTES = 1 << 20
#: Deepest nesting of mappings and sequences accepted (after alias expansion).
MAX_DEPTH = 50
#: Most nodes (scalars, mappings, sequences) accepted in the document after alias expansion.
MAX_NODES = 100_000
#: Longest piece of the input quoted back in an error message [characters].
MAX_ECHO = 80

#: YAML 1.2 core-schema floats: an exponent without a dot ("1e-3"), and .inf/.nan in their three spellings.
FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


def clip(text: Any, limit: int = MAX_ECHO) -> str:
    """``repr``-like quotation of ``text`` shortened to about ``limit`` characters (``'abc…' (1048576 characters)``).

    Use it wherever user input is echoed in a message, so a 1 MB value never ends up on a terminal or in a log.
    """
    s = text if isinstance(text, str) else repr(text)
    if len(s) <= limit:
        return repr(s) if isinstance(text, str) else s
    head = s[:limit]
    return f"{head!r}… ({len(s)} characters)" if isinstance(text, str) else f"{head}… ({len(s)} characters)"


class _Refused(yaml.YAMLError):
    """Internal: a limit of this module was hit at a node (carries the mark for the line number)."""

    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.message, self.mark = message, mark


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats, a depth limit while composing and duplicate-key detection."""

    max_depth = MAX_DEPTH

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        # an alias adds no level while composing (it is a reference); _check_expansion counts it afterwards
        counted = not self.check_event(AliasEvent)
        if counted:
            self._depth += 1
            if self._depth > self.max_depth:
                raise _Refused(f"nesting deeper than {self.max_depth} levels", self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if counted:
                self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            _check_duplicates(self, node)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_RE, list("-+0123456789."))


def _check_duplicates(loader: _Loader, node: MappingNode) -> None:
    seen: dict[Any, Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<' merge entries are overridden by explicit keys by design
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # unhashable key: PyYAML refuses it itself with a marked error
            continue
        if first is not None:
            raise _Refused(f"duplicate key {clip(key)} (first at line {first.start_mark.line + 1}, "
                           f"again at line {key_node.start_mark.line + 1})", key_node.start_mark)
        seen[key] = key_node


def _check_expansion(root: Node, max_nodes: int, max_depth: int) -> None:
    """Refuse a node graph whose alias expansion exceeds ``max_nodes`` nodes or ``max_depth`` levels, or is cyclic.

    Each distinct node is visited once (iterative post-order, so no recursion limit): size(n) = 1 + sum of the sizes
    of its children counted with multiplicity, depth(n) = 1 + max depth of its children.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_stack.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > max_nodes:
                raise _Refused(f"the document expands to more than {max_nodes} values through aliases (*ref); "
                               "write the values out instead", node.start_mark)
            if depth[key] > max_depth:
                raise _Refused(f"nesting deeper than {max_depth} levels (counting aliases)", node.start_mark)
            continue
        if key in size:
            continue
        if key in on_stack:
            raise _Refused("an alias (*ref) refers to a node that contains it (a recursive document)", node.start_mark)
        on_stack.add(key)
        stack.append((node, True))
        for kid in _children(node):
            kid_key = id(kid)
            if kid_key in on_stack:
                raise _Refused("an alias (*ref) refers to a node that contains it (a recursive document)",
                               kid.start_mark)
            if kid_key not in size:
                stack.append((kid, False))


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [x for pair in node.value for x in pair]
    return []


def loads_yaml(text: str | bytes, source: str = "<string>", what: str = "YAML file", *,
               error: type[GlobalfitError] = ConfigError, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH,
               max_nodes: int = MAX_NODES) -> Any:
    """Parse one YAML document under the limits of this module.

    Parameters
    ----------
    text
        The document; bytes are decoded as UTF-8.
    source
        Name of the file (or ``<string>``) used in messages.
    what
        What the document is, for messages (``"run config"``, ``"dataset spec"``).
    error
        Exception class raised (default :class:`ConfigError`; :class:`DataError` for dataset specs).
    max_bytes, max_depth, max_nodes
        Limits: UTF-8 size [bytes], nesting depth [levels], node count after alias expansion.

    Returns
    -------
    Any
        The parsed document (``None`` for an empty one).

    Raises
    ------
    GlobalfitError
        Of class ``error``, naming ``source`` and, where known, the line.
    """
    if isinstance(text, str):
        text = text.encode("utf-8", errors="surrogatepass")
    return _parse(text, source, what, error, max_bytes, max_depth, max_nodes)


def load_yaml(path: str | Path, what: str = "run config", *, error: type[GlobalfitError] = ConfigError,
              max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Read and parse the YAML file ``path`` under the limits of this module (see :func:`loads_yaml`).

    The size is checked with ``stat`` and again on the bytes read (at most ``max_bytes + 1`` are read), so a huge
    file or a FIFO never fills memory.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} {path} does not exist" if not path.exists() else f"{what} {path} is not a regular file")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise error(f"{what} {path} is {size} bytes; at most {max_bytes} are accepted")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{what} {path} cannot be read: {exc.strerror or exc}") from None
    return _parse(data, str(path), what, error, max_bytes, max_depth, max_nodes)


def _parse(data: bytes, source: str, what: str, error: type[GlobalfitError], max_bytes: int, max_depth: int,
           max_nodes: int) -> Any:
    if len(data) > max_bytes:
        raise error(f"{what} {source} is more than {max_bytes} bytes; at most {max_bytes} are accepted")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{what} {source} is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); "
                    "save it as UTF-8") from None
    loader = None
    try:
        loader = _Loader(text)  # the reader checks for control characters here already
        loader.max_depth = max_depth
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, max_nodes, max_depth)
        return loader.construct_document(node)
    except _Refused as exc:
        raise error(f"{what} {source}{_where(exc.mark)}: {exc.message}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        raise error(f"{what} {source} is not valid YAML{_where(mark)}: {_clip_message(problem)}") from None
    except yaml.YAMLError as exc:  # ReaderError (control characters) and the like
        raise error(f"{what} {source} is not valid YAML: {_clip_message(str(exc))}") from None
    except RecursionError:  # defence in depth: the depth limit should make this unreachable
        raise error(f"{what} {source}: nesting too deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def _where(mark) -> str:
    return f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""


def _clip_message(message: str, limit: int = 4 * MAX_ECHO) -> str:
    """One line of at most ``limit`` characters (PyYAML's messages can quote long stretches of input)."""
    one = " ".join(message.split())
    return one if len(one) <= limit else one[:limit] + "…"
