#[otai::plugin]
pub struct AcmePlugin<T> {
    marker: core::marker::PhantomData<T>,
}

fn main() {}
