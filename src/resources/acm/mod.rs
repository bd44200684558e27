//! ACM: public certificates (the API's custom domain).

pub mod certificate;
mod validation;
