// A `Secret` cannot be serialized by a derive nobody looked at: exposing it is explicit
// (`#[serde(serialize_with = "otai::secret::serialize_exposed")]`).
#[derive(otai::serde::Serialize)]
#[serde(crate = "otai::serde")]
pub struct Request {
    pub token: otai::Secret,
}

fn main() {}
