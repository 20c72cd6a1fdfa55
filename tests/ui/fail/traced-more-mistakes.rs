// More `#[traced]` mistakes, each reported on its own token, all at once.
trait Repo {
    #[obs::traced]
    fn get(&self) -> u32;
}

#[obs::traced(skip_all, skip(id))]
fn skip_twice(id: u32) {
    let _ = id;
}

#[obs::traced(fields(id = 1))]
fn recorded_twice(id: u32) {
    let _ = id;
}

#[obs::traced(err(Json))]
fn unknown_err_format() -> Result<(), String> {
    Ok(())
}

#[obs::traced(slo(succes_rate = 0.999))]
fn unknown_slo_option() {}

#[obs::traced(slo(latency(percentil = 0.99, threshold = 0.25)))]
fn unknown_latency_option() {}

fn main() {}
