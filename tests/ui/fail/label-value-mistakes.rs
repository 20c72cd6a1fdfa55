#[derive(obs::LabelValue)]
enum Method {
    #[label(rename = "")]
    Get,
    #[label(rename = "post")]
    Post,
    Put,
    #[label(rename = "put")]
    Replace,
}

#[derive(obs::LabelValue)]
enum Never {}

fn main() {}
