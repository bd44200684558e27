//! The state file parser on arbitrary bytes, as a store reads an object: `parse_stored` either
//! gives a document or a typed error (newer format, corrupt) whose message is rendered. A
//! parsed document must write back to JSON that parses to the same document, and the successor
//! checks must hold against it. Any outcome but a panic, a hang or unbounded memory is fine.
#![no_main]

use fuelflow::state::StateKey;
use fuelflow::state::store::{check_successor, parse_stored};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = StateKey::new("dev", "fuzz");
    match parse_stored(&key, "fuzz", data) {
        Ok(doc) => {
            let again = parse_stored(&key, "fuzz", &doc.to_json()).expect("what we write parses");
            assert_eq!(again, doc, "a state survives a write and a read unchanged");
            assert!(check_successor(&key, &doc, &doc.next_serial()).is_ok());
            assert!(check_successor(&key, &doc, &doc).is_err());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
