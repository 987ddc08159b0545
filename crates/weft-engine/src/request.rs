//! Request nodes: `loop_on` expansion, calls with pagination, `recurse`.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use serde_json::{Map, Value};
use weft_connector::{Call, HttpSend};
use weft_spec::{Input, PlanNode, RequestNode};
use weft_template::{Lookup as _, TemplateError};

use crate::auth::NodeHttp;
use crate::batch::{Batch, Emission, Position, Work};
use crate::context::Context;
use crate::event::Event;
use crate::failure::{Failure, Site};
use crate::http::url_path;

/// One call of a request node (a loop element, or a recursion on a record).
pub(crate) struct CallRun {
    /// Position of the emission the node runs under.
    base: Position,
    /// Coordinates inside the emission: loop element, then page and record per level.
    segment: Vec<usize>,
    depth: usize,
    context: Context,
    binding: Map<String, Value>,
    /// Whether `recurse.config` replaces the node's id, query and body.
    recursive: bool,
    /// The calls of the records this recursion descends from, nearest first.
    lineage: Option<Arc<Lineage>>,
}

/// One call on the path of a recursion, linked to the call above it.
struct Lineage {
    call: Call,
    parent: Option<Arc<Lineage>>,
}

impl Lineage {
    fn contains(lineage: &Option<Arc<Lineage>>, call: &Call) -> bool {
        let mut current = lineage.as_deref();
        while let Some(step) = current {
            if &step.call == call {
                return true;
            }
            current = step.parent.as_deref();
        }
        false
    }
}

impl CallRun {
    pub(crate) fn error_position(&self) -> Position {
        let mut position = self.base.clone();
        position.push(self.segment.clone());
        position
    }
}

/// Splits one emission into calls: one per `loop_on` element, or a single call.
pub(crate) fn expand(
    batch: &Arc<Batch>,
    node: &PlanNode,
    _request: &RequestNode,
    emission: Emission,
) {
    let elements = match &node.loop_on {
        None => vec![(emission.context.clone(), emission.binding.clone())],
        Some(path) => match loop_elements(path, &emission) {
            Ok(elements) => elements,
            Err(failure) => {
                let site = Site {
                    binding: emission.binding.clone(),
                    ..Site::default()
                };
                batch.fail(node.index, emission.position.clone(), &failure, &site);
                return;
            }
        },
    };
    for (index, (context, binding)) in elements.into_iter().enumerate() {
        let call = CallRun {
            base: emission.position.clone(),
            segment: vec![index],
            depth: 0,
            context,
            binding,
            recursive: false,
            lineage: None,
        };
        batch.schedule(node.index, Work::Call(call));
    }
}

type Element = (Context, Map<String, Value>);

/// One context per element of the array at `path`, with the path resolving to the
/// element itself.
fn loop_elements(path: &str, emission: &Emission) -> Result<Vec<Element>, Failure> {
    let items = match emission.context.lookup(path).as_deref() {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => {
            return Err(Failure::Input(format!(
                "loop_on path '{path}' resolved to {}, expected an array",
                type_name(other)
            )));
        }
        None => {
            return Err(Failure::Input(format!(
                "loop_on path '{path}' did not resolve to a value"
            )));
        }
    };
    // Element contexts share the emission's layers (a spooled array among them), so a
    // long array costs memory linear in its length.
    let Some(contexts) = emission.context.with_elements(path, items.clone()) else {
        let message = format!("loop_on path '{path}' cannot be replaced by its elements");
        return Err(Failure::Internal(message));
    };
    let elements = contexts.into_iter().zip(items).map(|(context, item)| {
        let mut binding = emission.binding.clone();
        binding.insert(path.to_owned(), item);
        (context, binding)
    });
    Ok(elements.collect())
}

/// Runs one call through every page, storing and emitting records as pages arrive
/// and scheduling recursive calls.
pub(crate) async fn call(batch: &Arc<Batch>, node: &PlanNode, request: &RequestNode, run: CallRun) {
    let prepared = match prepare_call(request, &run) {
        Ok(prepared) => prepared,
        Err(failure) => return fail(batch, node, &run, None, &failure, None),
    };
    for unresolved in &prepared.unresolved {
        batch.unresolved(node.index, &unresolved.field, &unresolved.placeholder);
    }
    if Lineage::contains(&run.lineage, &prepared.call) {
        let failure = Failure::Endless(
            "recursion cycle: the call for this record repeats the call of a record it \
             descends from (same id, query and body)"
                .into(),
        );
        return fail(batch, node, &run, None, &failure, None);
    }
    let credentials = batch.credentials.clone();
    let http = NodeHttp::new(batch.http.clone(), credentials, Some(node.key.clone()));
    let account = match http.usable_credentials().await {
        Ok(account) => account,
        Err(failure) => return fail(batch, node, &run, None, &failure, None),
    };
    let connector_http: Arc<dyn HttpSend> = http.clone();
    let first = batch
        .target
        .connector()
        .prepare(&account, &prepared.call, connector_http)
        .await;
    match first {
        Ok(first) => {
            follow_pages(batch, node, request, &run, prepared, (account, http), first).await
        }
        Err(error) => fail(batch, node, &run, None, &error.into(), None),
    }
}

/// Sends `first` and every next page the connector returns, until there is none or
/// the [`PageGuard`] stops a pagination that would never end.
async fn follow_pages(
    batch: &Arc<Batch>,
    node: &PlanNode,
    request: &RequestNode,
    run: &CallRun,
    prepared: PreparedCall,
    (mut account, http): (Arc<weft_connector::AccountContext>, Arc<NodeHttp>),
    first: weft_connector::HttpRequest,
) {
    let lineage = Some(Arc::new(Lineage {
        call: prepared.call.clone(),
        parent: run.lineage.clone(),
    }));
    let mut guard = PageGuard::new(batch.limits.max_pages);
    let mut next = Some(first);
    let mut page = 0;
    while let Some(http_request) = next.take() {
        if let Err(failure) = guard.admit(page, &http_request) {
            return fail(batch, node, run, Some(page), &failure, Some(&http_request));
        }
        let (http_request, response) = http.send_signed(&mut account, http_request).await;
        let parsed = match response {
            Ok(response) => {
                let connector = batch.target.connector();
                let call = &prepared.call;
                let parsed =
                    connector.parse(&account, call, &http_request, &response, http.clone() as _);
                let redactor = &batch.redactor;
                let failed = |error| Failure::from_parse(error, &http_request, &response, redactor);
                parsed.await.map_err(failed)
            }
            Err(failure) => Err(failure),
        };
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(failure) => {
                return fail(batch, node, run, Some(page), &failure, Some(&http_request));
            }
        };
        batch.events.send(Event::PageFetched {
            node: node.key.clone(),
            page: page + 1,
            records: parsed.records.len(),
        });
        for (index, record) in parsed.records.into_iter().enumerate() {
            let record = clean_record(record, prepared.ignore_remote_data);
            let source = RecordSource {
                run,
                lineage: &lineage,
                coordinates: [page, index],
            };
            take_record(batch, node, request, source, record);
        }
        next = parsed.next;
        page += 1;
    }
}

/// Stops a pagination that would never end: a page request that repeats an earlier
/// one of the same call (the API sent the same cursor again), or more pages than the
/// limit.
struct PageGuard {
    /// Fingerprints of the requests sent so far, with their page numbers.
    seen: HashMap<u64, usize>,
    limit: usize,
}

impl PageGuard {
    fn new(limit: usize) -> Self {
        PageGuard {
            seen: HashMap::new(),
            limit,
        }
    }

    /// Admits the request for the page at `index` (counted from 0), or fails when it is
    /// past the limit or repeats an earlier page. Messages count pages from 1.
    fn admit(
        &mut self,
        index: usize,
        request: &weft_connector::HttpRequest,
    ) -> Result<(), Failure> {
        if index >= self.limit {
            let limit = self.limit;
            let message = format!("pagination went on for more than {limit} pages, the page limit");
            return Err(Failure::Endless(message));
        }
        let mut hasher = DefaultHasher::new();
        (&request.method, &request.url, &request.body).hash(&mut hasher);
        match self.seen.insert(hasher.finish(), index) {
            Some(earlier) => Err(Failure::Endless(format!(
                "pagination repeats itself: the request for page {} repeats page {} ({}), \
                 so the API sent the same cursor again",
                index + 1,
                earlier + 1,
                describe_request(request),
            ))),
            None => Ok(()),
        }
    }
}

/// Names a page request in a message: method, path and query (where a cursor usually
/// is), and the start of the body (where a POST search keeps it). The batch redacts
/// secrets from the message.
fn describe_request(request: &weft_connector::HttpRequest) -> String {
    const SHOWN_CHARS: usize = 200;
    let target = match url::Url::parse(&request.url) {
        Ok(url) => match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        },
        Err(_) => request.url.clone(),
    };
    let mut described = format!(
        "{} '{}'",
        request.method,
        weft_connector::escaped(&target, SHOWN_CHARS)
    );
    if let Some(body) = request.body.as_deref().filter(|body| !body.is_empty()) {
        let body = weft_connector::escaped(&String::from_utf8_lossy(body), SHOWN_CHARS);
        described.push_str(&format!(" with body '{body}'"));
    }
    described
}

fn fail(
    batch: &Batch,
    node: &PlanNode,
    run: &CallRun,
    page: Option<usize>,
    failure: &Failure,
    http_request: Option<&weft_connector::HttpRequest>,
) {
    let mut position = run.error_position();
    if let (Some(page), Some(last)) = (page, position.last_mut()) {
        last.push(page);
    }
    let site = Site {
        method: http_request.map(|request| request.method.clone()),
        path: http_request.map(|request| url_path(&request.url)),
        binding: run.binding.clone(),
    };
    batch.fail(node.index, position, failure, &site);
}

/// The origin of a record: its call, the calls above it in a recursion, and its page
/// and index.
struct RecordSource<'a> {
    run: &'a CallRun,
    lineage: &'a Option<Arc<Lineage>>,
    coordinates: [usize; 2],
}

/// Stores one record, hands it to the children and recurses on it when `recurse.if`
/// holds.
fn take_record(
    batch: &Arc<Batch>,
    node: &PlanNode,
    request: &RequestNode,
    source: RecordSource<'_>,
    record: Value,
) {
    let run = source.run;
    let mut segment = run.segment.clone();
    segment.extend(source.coordinates);
    let mut position = run.base.clone();
    position.push(segment.clone());

    let context = run
        .context
        .bind(&request.resource_path, Arc::new(record.clone()));
    let mut binding = run.binding.clone();
    let (binding_key, summary) = record_summary(&request.resource_path, &record);
    binding.insert(binding_key, summary);

    batch.store(node.index, position.clone(), record);
    let emission = Emission {
        position: position.clone(),
        context: context.clone(),
        binding: binding.clone(),
    };
    batch.emit(node.index, emission);

    let Some(recurse) = &request.recurse else {
        return;
    };
    let recursion = CallRun {
        base: run.base.clone(),
        segment,
        depth: run.depth + 1,
        context,
        binding,
        recursive: true,
        lineage: source.lineage.clone(),
    };
    match should_recurse(&recurse.condition, &recursion.context) {
        Ok(false) => {}
        Ok(true) if recursion.depth > batch.depth_limit(recurse) => {
            let failure = Failure::TooDeep {
                limit: batch.depth_limit(recurse),
            };
            fail(batch, node, &recursion, None, &failure, None);
        }
        Ok(true) => batch.schedule(node.index, Work::Call(recursion)),
        Err(failure) => fail(batch, node, &recursion, None, &failure, None),
    }
}

/// A record's identity for error bindings: its `id` when it has one.
fn record_summary(resource_path: &[String], record: &Value) -> (String, Value) {
    let key = format!("resources.{}", resource_path.join("."));
    match record.get("id") {
        Some(id) => (format!("{key}.id"), id.clone()),
        None => (key, record.clone()),
    }
}

fn should_recurse(condition: &Value, context: &Context) -> Result<bool, Failure> {
    let value = weft_template::render_in(condition, context)
        .map_err(|error| Failure::Input(format!("invalid recurse.if: {error}")))?;
    Ok(value == Some(Value::Bool(true)))
}

struct PreparedCall {
    call: Call,
    ignore_remote_data: bool,
    /// Placeholders that resolved to nothing and kept their text.
    unresolved: Vec<Unresolved>,
}

/// A placeholder that resolved to nothing, so its text was kept as written (see
/// `docs/specs.md`), and the field it is in (`id`, `query`, `recurse.config.body`, ...).
struct Unresolved {
    field: String,
    placeholder: String,
}

/// Renders id, query and body (from `recurse.config` where it replaces them) and
/// removes `truto_*` query keys.
fn prepare_call(request: &RequestNode, run: &CallRun) -> Result<PreparedCall, Failure> {
    let recurse = request.recurse.as_ref().filter(|_| run.recursive);
    let id = chosen(
        recurse.and_then(|r| r.id.as_ref()),
        request.id.as_ref(),
        "id",
    );
    let query = chosen(
        recurse.and_then(|r| r.query.as_ref()),
        request.query.as_ref(),
        "query",
    );
    let body = chosen(
        recurse.and_then(|r| r.body.as_ref()),
        request.body.as_ref(),
        "body",
    );

    let mut renderer = Renderer {
        context: &run.context,
        unresolved: Vec::new(),
    };
    let id = match id {
        Some((id, field)) => renderer.id(id, &field)?,
        None => None,
    };
    let mut query = match query {
        Some((query, field)) => renderer.query(query, &field)?,
        None => Map::new(),
    };
    let body = match body {
        Some((body, field)) => renderer.input(body, &field)?,
        None => None,
    };

    let ignore_remote_data = query
        .get("truto_ignore_remote_data")
        .is_some_and(|flag| flag == &Value::Bool(true) || flag == "true");
    query.retain(|key, _| !key.starts_with("truto_"));
    let call = Call {
        resource: request.resource.clone(),
        method: request.method.clone(),
        id,
        query,
        body,
    };
    Ok(PreparedCall {
        call,
        ignore_remote_data,
        unresolved: renderer.unresolved,
    })
}

/// Returns the template a call uses for one field and the field's name, taking
/// `recurse.config`'s template where it replaces the node's own.
fn chosen<'a, T>(
    replacement: Option<&'a T>,
    own: Option<&'a T>,
    field: &str,
) -> Option<(&'a T, String)> {
    match replacement {
        Some(template) => Some((template, format!("recurse.config.{field}"))),
        None => own.map(|template| (template, field.to_owned())),
    }
}

/// Renders the inputs of one call and notes the placeholders that kept their text.
struct Renderer<'a> {
    context: &'a Context,
    unresolved: Vec<Unresolved>,
}

impl Renderer<'_> {
    fn id(&mut self, template: &Value, field: &str) -> Result<Option<String>, Failure> {
        match self.template(template, field)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(id)) => Ok(Some(id)),
            Some(Value::Number(id)) => Ok(Some(id.to_string())),
            Some(other) => Err(Failure::Input(format!(
                "{field} rendered to {}, expected a string",
                type_name(&other)
            ))),
        }
    }

    fn query(&mut self, input: &Input, field: &str) -> Result<Map<String, Value>, Failure> {
        match self.input(input, field)? {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(query)) => Ok(query),
            Some(other) => Err(Failure::Input(format!(
                "{field} evaluated to {}, expected an object",
                type_name(&other)
            ))),
        }
    }

    /// Renders a template, or evaluates a JSONata expression with the context as
    /// input. The evaluation is synchronous: JSONata values never live across an
    /// `.await`.
    fn input(&mut self, input: &Input, field: &str) -> Result<Option<Value>, Failure> {
        match input {
            Input::Template(template) => self.template(template, field),
            // NOTE: an expression needs the whole context, so each call copies it,
            // which for a loop over a large spooled array is again quadratic.
            Input::Expression(expression) => expression
                .evaluate(&self.context.materialize(), &Map::new())
                .map_err(|error| Failure::Input(format!("{field} expression failed: {error}"))),
        }
    }

    /// Renders a template by the placeholder rules of `docs/specs.md`: a placeholder
    /// that resolves to nothing keeps its text. Every such placeholder is noted for a
    /// warning.
    fn template(&mut self, template: &Value, field: &str) -> Result<Option<Value>, Failure> {
        let invalid = |error| Failure::Input(format!("invalid {field}: {error}"));
        match weft_template::render_strict_in(template, self.context) {
            Err(TemplateError::Unresolved { .. }) => {
                self.note_unresolved(template, field).map_err(invalid)?;
                weft_template::render_in(template, self.context).map_err(invalid)
            }
            rendered => rendered.map_err(invalid),
        }
    }

    /// Notes each placeholder of the template that resolves to nothing. Strict
    /// rendering stops at the first one, so each placeholder is rendered on its own.
    fn note_unresolved(&mut self, template: &Value, field: &str) -> Result<(), TemplateError> {
        for reference in weft_template::references(template)? {
            let placeholder = Value::String(reference.placeholder);
            let Err(TemplateError::Unresolved { placeholder }) =
                weft_template::render_strict_in(&placeholder, self.context)
            else {
                continue;
            };
            let seen = self
                .unresolved
                .iter()
                .any(|noted| noted.field == field && noted.placeholder == placeholder);
            if !seen {
                self.unresolved.push(Unresolved {
                    field: field.to_owned(),
                    placeholder,
                });
            }
        }
        Ok(())
    }
}

fn clean_record(mut record: Value, ignore_remote_data: bool) -> Value {
    if ignore_remote_data && let Value::Object(map) = &mut record {
        map.remove("remote_data");
    }
    record
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
