#[derive(obs::Labels)]
struct Build {
    version: &'static str,
}

/// Build information.
#[obs::metric(info, labels = Build, alert(name = "NewBuild", expr = "== 1", summary = "A new build"))]
struct BuildInfo;

fn main() {}
