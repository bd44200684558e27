use crate::resources::Handler;

pub fn handler(type_name: &str) -> Option<&'static dyn Handler> {
    let _ = type_name;
    None
}
