//! Property tests: any label value, however hostile, is escaped so that the exposition parses back to it.

use obs::Labels;
use proptest::prelude::*;

#[derive(Labels)]
struct Free {
    value: String,
}

/// Counter whose label values come from the property test.
#[obs::metric(counter, labels = Free, cap = 100000)]
struct Escaped;

/// A parsed sample: name, labels, value.
type Sample = (String, Vec<(String, String)>, String);

/// Parses one sample line `name{k="v",...} value` of the text formats, unescaping label values.
fn parse_line(line: &str) -> Option<Sample> {
    let brace = line.find('{')?;
    let name = line[..brace].to_owned();
    let mut labels = Vec::new();
    let mut chars = line[brace + 1..].char_indices().peekable();
    let rest = &line[brace + 1..];
    loop {
        let (start, c) = *chars.peek()?;
        if c == '}' {
            let value = rest[start + 1..].strip_prefix(' ')?.to_owned();
            return Some((name, labels, value));
        }
        let eq = rest[start..].find('=')? + start;
        let key = rest[start..eq].to_owned();
        while chars.peek()?.0 <= eq {
            chars.next();
        }
        if chars.next()?.1 != '"' {
            return None;
        }
        let mut v = String::new();
        loop {
            match chars.next()?.1 {
                '\\' => match chars.next()?.1 {
                    '\\' => v.push('\\'),
                    '"' => v.push('"'),
                    'n' => v.push('\n'),
                    _ => return None,
                },
                '"' => break,
                '\n' => return None, // a raw newline would end the line
                c => v.push(c),
            }
        }
        labels.push((key, v));
        if chars.peek()?.1 == ',' {
            chars.next();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn label_values_round_trip(value in any::<String>()) {
        prop_assume!(!value.is_empty() && value.len() <= obs::MAX_LABEL_VALUE_LEN);
        Escaped.with(Free { value: value.clone() }).inc();
        for format in [obs::Format::Prometheus, obs::Format::OpenMetrics] {
            let text = obs::encode(format);
            let found = text
                .split('\n')
                .filter(|l| l.starts_with("escaped_total{"))
                .filter_map(parse_line)
                .any(|(_, labels, _)| labels == [("value".to_owned(), value.clone())]);
            prop_assert!(found, "value {:?} did not parse back from {:?} output", value, format);
        }
    }

    #[test]
    fn hostile_characters_round_trip(value in "[\\\\\"\n\r\t\u{0}-\u{1f}a-zé€😀{}=,]{1,40}") {
        Escaped.with(Free { value: value.clone() }).inc();
        let text = obs::encode(obs::Format::Prometheus);
        // Each line of the output is either a comment or a parseable sample: no value breaks a line open.
        for line in text.split('\n').filter(|l| l.starts_with("escaped_total{")) {
            prop_assert!(parse_line(line).is_some(), "unparseable line {:?}", line);
        }
        let found = text
            .split('\n')
            .filter_map(parse_line)
            .any(|(_, labels, _)| labels == [("value".to_owned(), value.clone())]);
        prop_assert!(found);
    }
}

#[test]
fn help_text_is_escaped_per_format() {
    let mut prom = String::new();
    obs_runtime::escape_help(&mut prom, "a\\b\nc \"q\"", false);
    assert_eq!(prom, "a\\\\b\\nc \"q\"");
    let mut om = String::new();
    obs_runtime::escape_help(&mut om, "a\\b\nc \"q\"", true);
    assert_eq!(om, "a\\\\b\\nc \\\"q\\\"");
}
