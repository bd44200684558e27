//! Building the graph in small passes: nodes, in-stack edges, cross-stack import edges, then
//! the cycle check (strongly connected components, so every member of a cycle is named).

use super::{Dependency, ResourceGraph, ResourceNode};
use crate::diagnostic::Diagnostic;
use crate::resources::Registry;
use crate::template::eval::{RefKind, Reference};
use crate::template::stack::Stack;
use petgraph::graph::NodeIndex;
use std::collections::HashMap;

/// Builds the graph over `stacks`, or reports every problem (duplicate exports, cycles).
pub fn build(stacks: &[Stack], registry: &Registry) -> Result<ResourceGraph, Vec<Diagnostic>> {
    let mut graph = ResourceGraph::default();
    let mut errors = Vec::new();
    add_nodes(&mut graph, stacks);
    let exports = export_index(stacks, &mut errors);
    for (s, stack) in stacks.iter().enumerate() {
        for resource in stack.resources.values() {
            let from = graph
                .node(s, &resource.logical_id)
                .expect("node added above");
            for reference in &resource.references {
                for to in targets(&graph, stacks, &exports, s, reference) {
                    graph.graph.update_edge(
                        from,
                        to,
                        Dependency {
                            kind: reference.kind,
                            span: reference.span,
                        },
                    );
                }
            }
        }
    }
    add_implicit_edges(&mut graph, stacks, registry);
    errors.extend(cycles(&graph, stacks));
    if errors.is_empty() {
        Ok(graph)
    } else {
        Err(errors)
    }
}

fn add_nodes(graph: &mut ResourceGraph, stacks: &[Stack]) {
    for (s, stack) in stacks.iter().enumerate() {
        for resource in stack.resources.values() {
            let node = graph.graph.add_node(ResourceNode {
                stack: s,
                stack_key: stack.id.key.clone(),
                logical_id: resource.logical_id.clone(),
                resource_type: resource.resource_type.clone(),
            });
            graph.insert(s, resource.logical_id.clone(), node);
        }
    }
}

/// Export name -> (stack index, output name). Two stacks exporting one name is an error.
fn export_index(
    stacks: &[Stack],
    errors: &mut Vec<Diagnostic>,
) -> HashMap<String, (usize, String)> {
    let mut exports: HashMap<String, (usize, String)> = HashMap::new();
    for (s, stack) in stacks.iter().enumerate() {
        for output in stack.outputs.values() {
            let Some(name) = &output.export_name else {
                continue;
            };
            if let Some((other, other_output)) = exports.get(name) {
                let first = &stacks[*other].outputs[other_output];
                errors.push(
                    Diagnostic::error(
                        output.export_span.unwrap_or(output.span),
                        format!(
                            "export name `{name}` is already exported by stack `{}`",
                            stacks[*other].id.name
                        ),
                    )
                    .with_related(
                        first.export_span.unwrap_or(first.span),
                        "first exported here",
                    ),
                );
                continue;
            }
            exports.insert(name.clone(), (s, output.name.clone()));
        }
    }
    exports
}

/// The resources a reference makes its resource depend on. An import depends on the resources
/// the exporting output refers to (following re-exports); an export not found among the selected
/// stacks is read from that stack's state at plan time and adds no edge.
fn targets(
    graph: &ResourceGraph,
    stacks: &[Stack],
    exports: &HashMap<String, (usize, String)>,
    stack: usize,
    reference: &Reference,
) -> Vec<NodeIndex> {
    if reference.kind != RefKind::ImportValue {
        return graph.node(stack, &reference.target).into_iter().collect();
    }
    let mut found = Vec::new();
    let mut pending = vec![reference.target.clone()];
    let mut seen = Vec::new();
    while let Some(name) = pending.pop() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let Some((s, output)) = exports.get(&name) else {
            continue;
        };
        for r in &stacks[*s].outputs[output].references {
            match r.kind {
                RefKind::ImportValue => pending.push(r.target.clone()),
                _ => found.extend(graph.node(*s, &r.target)),
            }
        }
    }
    found
}

/// One diagnostic per cycle, naming every member and where each edge of it is written.
fn cycles(graph: &ResourceGraph, stacks: &[Stack]) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for component in petgraph::algo::tarjan_scc(&graph.graph) {
        let is_cycle = component.len() > 1 || graph.graph.contains_edge(component[0], component[0]);
        if !is_cycle {
            continue;
        }
        let mut members = component.clone();
        members.sort_by_key(|n| graph.graph[*n].qualified());
        let names: Vec<String> = members
            .iter()
            .map(|n| graph.graph[*n].qualified())
            .collect();
        let first = &graph.graph[members[0]];
        let span = stacks[first.stack].resources[&first.logical_id].span;
        let mut d = Diagnostic::error(
            span,
            format!(
                "dependency cycle between {} resources: {}",
                names.len(),
                names.join(", ")
            ),
        );
        for edge in graph.graph.edge_indices() {
            let (a, b) = graph.graph.edge_endpoints(edge).expect("edge exists");
            if component.contains(&a) && component.contains(&b) {
                let dep = graph.graph[edge];
                d = d.with_related(
                    dep.span,
                    format!(
                        "`{}` depends on `{}` here ({})",
                        graph.graph[a].qualified(),
                        graph.graph[b].qualified(),
                        dep.kind.label()
                    ),
                );
            }
        }
        errors.push(d.with_note(
            "break the cycle: remove a reference or a DependsOn between these resources",
        ));
    }
    errors
}

/// The edges a type adds on its own ([`Handler::implicit_dependencies`]).
fn add_implicit_edges(graph: &mut ResourceGraph, stacks: &[Stack], registry: &Registry) {
    for (s, stack) in stacks.iter().enumerate() {
        for d in stack.resources.values() {
            let Some(handler) = registry.get(&d.resource_type) else {
                continue;
            };
            let from = graph.node(s, &d.logical_id).expect("node added");
            for target in handler.implicit_dependencies(stack, &d.logical_id) {
                let Some(to) = graph.node(s, &target) else {
                    continue;
                };
                // An ordering a type infers never makes a cycle of what the template says.
                if petgraph::algo::has_path_connecting(&graph.graph, to, from, None) {
                    continue;
                }
                graph.graph.update_edge(
                    from,
                    to,
                    Dependency {
                        kind: RefKind::Implicit,
                        span: d.span,
                    },
                );
            }
        }
    }
}
