fn main() {
    println!("fuelflow {}", env!("CARGO_PKG_VERSION"));
}
