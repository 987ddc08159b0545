//! Validation time of a minified spec with one problem per node, all on one line.
//!
//! Placing each problem used to scan from the start of its line. With 100,000 problems
//! in a 4 MB body that took 38 s (debug build, `weft validate`). Placing all of them
//! in one pass over the text keeps the time linear.

use criterion::{Criterion, criterion_group, criterion_main};

fn minified_spec(nodes: usize) -> String {
    let node = r#"{"name":"n","resource":"x","method":"l"}"#;
    let nodes = vec![node; nodes].join(",");
    format!(r#"{{"integrated_account_id":"a","resources":[{nodes}]}}"#)
}

fn many_problems_on_one_line(c: &mut Criterion) {
    let source = minified_spec(20_000);
    c.bench_function("validate 20k duplicate names on one line", |b| {
        b.iter(|| weft_spec::plan_from_str(&source, None).expect_err("duplicate names"))
    });
}

criterion_group!(benches, many_problems_on_one_line);
criterion_main!(benches);
