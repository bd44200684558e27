//! `fuelflow output`: the outputs recorded by the last apply of each stack.

use super::{Context, Outcome, session};
use serde_json::{Map, Value};

pub async fn run(ctx: &Context, env: Option<String>, stack: Option<String>, json: bool) -> Outcome {
    let session = session::open(ctx, env).await?;
    let mut all = Map::new();
    for stack in session.stacks(ctx, stack.as_deref())? {
        let Some(doc) = session.state(&stack).await? else {
            continue;
        };
        let mut outputs = Map::new();
        for (name, o) in &doc.outputs {
            let value = if o.sensitive {
                Value::String("(sensitive)".into())
            } else {
                o.value.clone()
            };
            outputs.insert(name.clone(), value);
        }
        all.insert(stack, Value::Object(outputs));
    }
    if json {
        super::print_json(&Value::Object(all));
        return Ok(());
    }
    if all
        .values()
        .all(|o| o.as_object().is_some_and(Map::is_empty))
    {
        println!("No outputs recorded in {} (apply first).", session.env);
    }
    for (stack, outputs) in &all {
        for (name, value) in outputs.as_object().into_iter().flatten() {
            let shown = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            println!("{stack}.{name} = {shown}");
        }
    }
    Ok(())
}
