//! The scheduler: runs of nodes as tokio tasks, per-node bookkeeping, completion.
//!
//! A *run* is one unit of work of one node: an emission of its parent (a record, a
//! spool's array, a transform's output) or one call of a request node. Each run is a
//! task. A node is finished when its parent is finished and none of its runs is open;
//! finishing a node closes its children in turn, which is when spools fire and 424s
//! are recorded.

use std::collections::{BTreeMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::FutureExt;
use serde_json::{Map, Value};
use tokio::sync::Notify;
use weft_spec::{DEFAULT_RECURSE_MAX_DEPTH, NodeKind, Plan, Recurse};

use crate::context::{self, Context};
use crate::credentials::Credentials;
use crate::event::{Event, Events};
use crate::failure::{Failure, Site, error_record};
use crate::http::HttpClient;
use crate::output::BatchOutput;
use crate::request::{self, CallRun};
use crate::target::{Redactor, Target};
use crate::{spool, transform};

/// Place of a record or error in its node's output. One segment per level of
/// emissions (ancestor records first), each segment holding the coordinates inside
/// that level: loop element, page, record, then page and record again per recursion
/// level. Comparing positions gives page, loop, parent-record and depth-first
/// pre-order, because a prefix sorts before its extensions.
pub(crate) type Position = Vec<Vec<usize>>;

/// What a run of a node receives from upstream.
#[derive(Debug, Clone)]
pub(crate) struct Emission {
    pub(crate) position: Position,
    pub(crate) context: Context,
    /// The bindings that led here, for error reports (`args.ids` -> element, ...).
    pub(crate) binding: Map<String, Value>,
}

pub(crate) enum Work {
    Emission(Emission),
    Call(CallRun),
}

#[derive(Default)]
struct NodeState {
    records: BTreeMap<Position, Value>,
    errors: BTreeMap<Position, Vec<Value>>,
    error_count: usize,
    open_runs: usize,
    parent_finished: bool,
    emitted: usize,
    started: bool,
    finished: bool,
    /// The (field, placeholder) pairs already reported as unresolved.
    unresolved: HashSet<(String, String)>,
}

struct State {
    nodes: Vec<NodeState>,
    unfinished: usize,
}

/// Limits that stop runaway calls of one batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallLimits {
    /// Recursion depth limit for nodes without their own `max_depth`.
    pub(crate) max_depth: usize,
    /// Most pages one call follows.
    pub(crate) max_pages: usize,
}

/// Shared state of one running batch.
pub(crate) struct Batch {
    pub(crate) plan: Arc<Plan>,
    pub(crate) target: Target,
    pub(crate) http: Arc<HttpClient>,
    pub(crate) credentials: Arc<Credentials>,
    pub(crate) events: Events,
    pub(crate) redactor: Redactor,
    base_context: Arc<Value>,
    pub(crate) limits: CallLimits,
    state: Mutex<State>,
    done: Notify,
}

impl Batch {
    pub(crate) fn new(
        plan: Arc<Plan>,
        target: Target,
        http: Arc<HttpClient>,
        credentials: Arc<Credentials>,
        events: Events,
        redactor: Redactor,
        limits: CallLimits,
    ) -> Arc<Self> {
        let nodes = plan.nodes.iter().map(|_| NodeState::default()).collect();
        let unfinished = plan.nodes.len();
        let base_context = context::base_context(&plan.args, target.public_context());
        Arc::new(Batch {
            redactor,
            plan,
            target,
            http,
            credentials,
            events,
            base_context: Arc::new(base_context),
            limits,
            state: Mutex::new(State { nodes, unfinished }),
            done: Notify::new(),
        })
    }

    /// The recursion depth limit of a node: its own `max_depth`, else the engine's.
    // NOTE: the plan stores the default (32) for nodes without `max_depth`, so a node
    // that sets 32 explicitly also gets the engine's limit; an `Option` in the plan
    // would tell the two apart.
    pub(crate) fn depth_limit(&self, recurse: &Recurse) -> usize {
        if recurse.max_depth == DEFAULT_RECURSE_MAX_DEPTH {
            self.limits.max_depth
        } else {
            recurse.max_depth
        }
    }

    pub(crate) fn base_context(&self) -> &Arc<Value> {
        &self.base_context
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent counters (every update is a
        // single statement), so a poisoned lock is still usable.
        self.state
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Starts every root node and waits until every node has finished.
    pub(crate) async fn run_to_end(self: &Arc<Self>) {
        for node in self.plan.nodes.iter().filter(|node| node.parent.is_none()) {
            self.lock().nodes[node.index].parent_finished = true;
            let emission = Emission {
                position: Vec::new(),
                context: Context::new(self.base_context.clone()),
                binding: Map::new(),
            };
            self.schedule(node.index, Work::Emission(emission));
        }
        loop {
            let notified = self.done.notified();
            if self.lock().unfinished == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Opens a run of `node` and spawns it.
    pub(crate) fn schedule(self: &Arc<Self>, node: usize, work: Work) {
        self.lock().nodes[node].open_runs += 1;
        self.spawn_counted(node, work);
    }

    /// Spawns a run whose `open_runs` count is already taken.
    fn spawn_counted(self: &Arc<Self>, node: usize, work: Work) {
        let batch = self.clone();
        tokio::spawn(async move {
            let position = work.position();
            let run = AssertUnwindSafe(batch.execute(node, work)).catch_unwind();
            if run.await.is_err() {
                let failure = Failure::Internal("the engine panicked while running it".into());
                batch.fail(node, position, &failure, &Site::default());
            }
            batch.finish_run(node);
        });
    }

    async fn execute(self: &Arc<Self>, index: usize, work: Work) {
        self.mark_started(index);
        let node = &self.plan.nodes[index];
        match (&node.kind, work) {
            (NodeKind::Request(request), Work::Emission(emission)) => {
                request::expand(self, node, request, emission)
            }
            (NodeKind::Request(request), Work::Call(call)) => {
                request::call(self, node, request, call).await
            }
            (NodeKind::Spool, Work::Emission(emission)) => spool::run(self, node, emission),
            (NodeKind::Transform(expression), Work::Emission(emission)) => {
                transform::run(self, node, expression, emission).await
            }
            (_, Work::Call(_)) => unreachable!("only request nodes get call runs"),
        }
    }

    fn mark_started(&self, node: usize) {
        let first = !std::mem::replace(&mut self.lock().nodes[node].started, true);
        if first {
            let key = self.plan.nodes[node].key.clone();
            tracing::debug!(node = %key, "node started");
            self.events.send(Event::NodeStarted { node: key });
        }
    }

    /// Stores one output record of `node`.
    pub(crate) fn store(&self, node: usize, position: Position, record: Value) {
        let mut state = self.lock();
        state.nodes[node].records.insert(position, record);
    }

    /// Hands one emission of `node` to each child that runs per emission (every child
    /// but spools, which wait for the whole node).
    pub(crate) fn emit(self: &Arc<Self>, node: usize, emission: Emission) {
        self.lock().nodes[node].emitted += 1;
        for &child in &self.plan.nodes[node].children {
            if !matches!(self.plan.nodes[child].kind, NodeKind::Spool) {
                self.schedule(child, Work::Emission(emission.clone()));
            }
        }
    }

    /// Reports a placeholder of `node` that resolved to nothing and kept its text, once
    /// per field and placeholder, as a warning and on the event stream.
    pub(crate) fn unresolved(&self, node: usize, field: &str, placeholder: &str) {
        let pair = (field.to_owned(), placeholder.to_owned());
        if !self.lock().nodes[node].unresolved.insert(pair) {
            return;
        }
        let key = self.plan.nodes[node].key.clone();
        tracing::warn!(node = %key, field, placeholder, "placeholder did not resolve, text kept");
        self.events.send(Event::PlaceholderUnresolved {
            node: key,
            field: field.to_owned(),
            placeholder: placeholder.to_owned(),
        });
    }

    /// Records a failure of `node` in `errors` and on the event stream.
    pub(crate) fn fail(&self, node: usize, position: Position, failure: &Failure, site: &Site) {
        let record = error_record(failure, site, &self.redactor);
        let key = self.plan.nodes[node].key.clone();
        let message = record["message"].as_str().unwrap_or_default().to_owned();
        tracing::debug!(node = %key, status = failure.status(), %message, "call failed");
        self.events.send(Event::Failed {
            node: key,
            status: failure.status(),
            message,
        });
        let mut state = self.lock();
        let node = &mut state.nodes[node];
        node.errors.entry(position).or_default().push(record);
        node.error_count += 1;
    }

    fn finish_run(self: &Arc<Self>, node: usize) {
        let mut state = self.lock();
        state.nodes[node].open_runs -= 1;
        let mut ready = Vec::new();
        if is_finished(&state.nodes[node]) {
            ready.push(node);
        }
        let spawns = self.finish_nodes(&mut state, ready);
        drop(state);
        for (node, work) in spawns {
            self.spawn_counted(node, work);
        }
    }

    /// Finishes the nodes in `ready` and every node that finishes because of them.
    /// Returns spool runs to spawn once the lock is released.
    fn finish_nodes(&self, state: &mut State, mut ready: Vec<usize>) -> Vec<(usize, Work)> {
        let mut spawns = Vec::new();
        while let Some(index) = ready.pop() {
            self.finish_node(state, index);
            let failed_empty =
                state.nodes[index].emitted == 0 && state.nodes[index].error_count > 0;
            for &child in &self.plan.nodes[index].children {
                state.nodes[child].parent_finished = true;
                if failed_empty {
                    self.record_dependency_failure(state, index, child);
                } else if matches!(self.plan.nodes[child].kind, NodeKind::Spool) {
                    let emission = spool::collect(self, &state.nodes[index].records, index, child);
                    state.nodes[child].open_runs += 1;
                    spawns.push((child, Work::Emission(emission)));
                }
                if is_finished(&state.nodes[child]) {
                    ready.push(child);
                }
            }
        }
        spawns
    }

    fn finish_node(&self, state: &mut State, index: usize) {
        let node = &mut state.nodes[index];
        node.finished = true;
        let key = self.plan.nodes[index].key.clone();
        let (records, errors) = (node.records.len(), node.error_count);
        tracing::debug!(node = %key, records, errors, "node finished");
        self.events.send(Event::NodeFinished {
            node: key,
            records,
            errors,
        });
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.done.notify_one();
        }
    }

    fn record_dependency_failure(&self, state: &mut State, parent: usize, child: usize) {
        let failure = Failure::Dependency {
            parent: self.plan.nodes[parent].key.clone(),
        };
        let record = error_record(&failure, &Site::default(), &self.redactor);
        self.events.send(Event::Failed {
            node: self.plan.nodes[child].key.clone(),
            status: failure.status(),
            message: failure.message(),
        });
        let node = &mut state.nodes[child];
        node.errors.entry(Vec::new()).or_default().push(record);
        node.error_count += 1;
    }

    /// Builds `{result, errors}` from the finished nodes.
    pub(crate) fn output(&self) -> BatchOutput {
        let state = self.lock();
        let mut output = BatchOutput::default();
        for (plan_node, node) in self.plan.nodes.iter().zip(&state.nodes) {
            if plan_node.persist {
                output.add_records(&plan_node.key, node.records.values().cloned());
            }
            output.add_errors(&plan_node.key, node.errors.values().flatten().cloned());
        }
        output
    }
}

fn is_finished(node: &NodeState) -> bool {
    !node.finished && node.parent_finished && node.open_runs == 0
}

impl Work {
    fn position(&self) -> Position {
        match self {
            Work::Emission(emission) => emission.position.clone(),
            Work::Call(call) => call.error_position(),
        }
    }
}

/// Totals for the final event.
pub(crate) fn totals(output: &BatchOutput) -> (usize, usize) {
    let count = |map: &Map<String, Value>| {
        map.values()
            .map(|value| value.as_array().map_or(0, Vec::len))
            .sum()
    };
    (count(&output.result), count(&output.errors))
}
