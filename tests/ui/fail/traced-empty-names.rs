#[obs::traced(name = "")]
fn unnamed() {}

#[obs::traced(fields("" = 1))]
fn empty_field_key() {}

fn main() {}
