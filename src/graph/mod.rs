//! The resource graph: one node per resource of every selected stack, one edge per dependency
//! (from `Ref`, `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn` and `Fn::ImportValue`).
//! Edges point from a resource to what it depends on, as in Terraform's graphs.

mod build;
mod dot;

pub use build::build;
pub use dot::to_dot;

use crate::source::Span;
use crate::template::eval::RefKind;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct ResourceNode {
    /// Index of the stack in the workspace's stack list.
    pub stack: usize,
    pub stack_key: String,
    pub logical_id: String,
    pub resource_type: String,
}

impl ResourceNode {
    /// `stack.LogicalId`, the name used in graphs and messages.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.stack_key, self.logical_id)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Dependency {
    pub kind: RefKind,
    /// Where the dependent refers to its dependency.
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct ResourceGraph {
    pub graph: DiGraph<ResourceNode, Dependency>,
    /// By stack index, then logical id (looked up without building a key).
    index: Vec<HashMap<String, NodeIndex>>,
}

impl ResourceGraph {
    pub fn node(&self, stack: usize, logical_id: &str) -> Option<NodeIndex> {
        self.index.get(stack)?.get(logical_id).copied()
    }

    fn insert(&mut self, stack: usize, logical_id: String, node: NodeIndex) {
        if self.index.len() <= stack {
            self.index.resize_with(stack + 1, HashMap::new);
        }
        self.index[stack].insert(logical_id, node);
    }

    /// What `node` depends on.
    pub fn dependencies(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .neighbors_directed(node, petgraph::Direction::Outgoing)
    }

    /// What depends on `node`.
    pub fn dependents(&self, node: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
    }

    /// Resources in an order where each comes after everything it depends on.
    pub fn creation_order(&self) -> Vec<NodeIndex> {
        let mut order = petgraph::algo::toposort(&self.graph, None).unwrap_or_default();
        order.reverse();
        order
    }
}
