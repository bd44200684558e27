//! `fuelflow cost` reproduces the platform's reference budget (../shared/seed) within 10% with the
//! repository's usage assumptions: dev ≈ $17/month, prod ≈ $96/month.

use std::process::Command;

fn estimate(env: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_fuelflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["cost", "--env", env, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn line(e: &serde_json::Value, item: &str) -> f64 {
    e["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["item"] == item)
        .unwrap_or_else(|| panic!("no line {item}"))["monthly_usd"]
        .as_f64()
        .unwrap()
}

fn within(actual: f64, reference: f64, share: f64) -> bool {
    (actual - reference).abs() <= reference * share
}

#[test]
fn dev_matches_the_reference_budget() {
    let e = estimate("dev");
    let total = e["total_usd"].as_f64().unwrap();
    assert!(within(total, 17.0, 0.10), "dev total {total}");
    assert!(
        within(line(&e, "database.Database"), 13.14, 0.01),
        "db.t3.micro single-AZ"
    );
    assert!(within(line(&e, "api.Api"), 3.50, 0.01), "1M REST requests");
    assert!(line(&e, "database.DatabaseSecret") == 0.40);
}

#[test]
fn prod_matches_the_reference_budget() {
    let e = estimate("prod");
    let total = e["total_usd"].as_f64().unwrap();
    assert!(within(total, 96.0, 0.10), "prod total {total}");
    assert!(
        within(line(&e, "database.Database"), 52.56, 0.01),
        "db.t3.small Multi-AZ"
    );
    assert!(within(line(&e, "api.Api"), 35.0, 0.01), "10M REST requests");
    assert!(within(line(&e, "data transfer out"), 5.0, 0.05));
}
