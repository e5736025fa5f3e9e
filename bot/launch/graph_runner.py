"""Run the model's graph node after node, without building a dask graph for each message.

Rasa 3.6 runs the trained graph (the NLU pipeline, then the policies) through dask on
every message: it computes the minimal sub-graph for the targets, builds a dask graph
and hands it to dask's scheduler, about 2.5 ms of each message here on two graph runs.
:class:`SequentialGraphRunner` works out the order of the nodes once per set of targets
and calls them in that order, passing each node what dask would have passed it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

Step = tuple[str, GraphNode, tuple[str, ...]]  # node name, node, the nodes it needs


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's graph runner with a precomputed order instead of dask."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Instantiate the nodes, as Rasa's runner does (same arguments)."""
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], list[Step]] = {}

    def _plan(self, targets: tuple[str, ...]) -> list[Step]:
        """The nodes ``targets`` depend on, each after its dependencies (cached)."""
        plan = self._plans.get(targets)
        if plan is not None:
            return plan
        plan, seen = [], set()

        def visit(name: str) -> None:
            if name in seen:
                return
            seen.add(name)
            node = self._graph_schema.nodes.get(name)
            if node is None:  # an input placeholder, not a node
                return
            for need in node.needs.values():
                visit(need)
            plan.append((name, self._instantiated_nodes[name], tuple(node.needs.values())))

        for target in targets:
            visit(target)
        self._plans[targets] = plan
        return plan

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        """Run the nodes ``targets`` need, with ``inputs`` for the placeholders."""
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        outputs: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none "
                    "of the input names passed to the `run` method are the same as node "
                    "names in the graph schema."
                )
            outputs[name] = (name, value)
        try:
            for name, node, needs in self._plan(run_targets):
                # an input nobody provided is passed by name, as dask does
                outputs[name] = node(*(outputs.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(outputs[target] for target in run_targets)


def install() -> None:
    """Make Rasa's message processor load models with :class:`SequentialGraphRunner`."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
