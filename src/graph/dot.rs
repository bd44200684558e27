//! The graph as Graphviz DOT: `stack.LogicalId` nodes labelled with their type, edges from a
//! resource to what it depends on.

use super::ResourceGraph;
use std::fmt::Write;

pub fn to_dot(graph: &ResourceGraph) -> String {
    let mut out = String::from("digraph fuelflow {\n  rankdir=\"RL\";\n  node [shape=box];\n");
    for node in graph.graph.node_weights() {
        let name = node.qualified();
        let _ = writeln!(
            out,
            "  {} [label={}];",
            quote(&name),
            quote(&format!("{name}\n{}", node.resource_type))
        );
    }
    for edge in graph.graph.edge_indices() {
        let (a, b) = graph.graph.edge_endpoints(edge).expect("edge exists");
        let label = graph.graph[edge].kind.label();
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&graph.graph[a].qualified()),
            quote(&graph.graph[b].qualified()),
            quote(label)
        );
    }
    out.push_str("}\n");
    out
}

fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}
