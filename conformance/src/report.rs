//! The suite report: per-vector verdicts, the rule coverage table, and the three
//! output formats (human, JSON, JUnit XML).

use crate::runner::{VectorResult, Verdict};
use crate::vectors::VectorError;
use mailspec_model::rule_ids::RULES;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize)]
pub struct SuiteReport {
    pub implementation: String,
    pub capabilities: Vec<String>,
    pub results: Vec<VectorResult>,
    /// Vector files that could not be read, each naming the file and the field.
    pub unreadable: Vec<String>,
    pub coverage: Vec<RuleCoverage>,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub seconds: f64,
    /// The `--filter` value of the run: a rule ID or `crypto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// How many vectors cover one rule, and how they fared.
#[derive(Clone, Debug, Serialize)]
pub struct RuleCoverage {
    pub rule: String,
    pub status: String,
    pub vectors: usize,
    pub passed: usize,
}

impl SuiteReport {
    pub fn new(implementation: String, capabilities: Vec<String>, results: Vec<VectorResult>, errors: &[VectorError], seconds: f64) -> SuiteReport {
        let count = |wanted: fn(&Verdict) -> bool| results.iter().filter(|r| wanted(&r.verdict)).count();
        SuiteReport {
            implementation,
            capabilities,
            coverage: coverage(&results),
            passed: count(|v| matches!(v, Verdict::Pass)),
            failed: count(|v| matches!(v, Verdict::Fail(_))),
            skipped: count(|v| matches!(v, Verdict::Skip(_))),
            unreadable: errors.iter().map(|e| e.to_string()).collect(),
            results,
            seconds,
            filter: None,
        }
    }

    /// Returns the report with the filter that selected its vectors.
    pub fn with_filter(mut self, filter: Option<String>) -> SuiteReport {
        self.filter = filter;
        self
    }

    /// True when nothing failed, nothing was unreadable, and at least one vector ran
    /// and passed: a run where everything was skipped does not pass.
    pub fn all_passed(&self) -> bool {
        self.failed == 0 && self.unreadable.is_empty() && self.passed > 0
    }

    /// Returns the process exit code: 0 all passed, 1 a failure or nothing run, 2
    /// unreadable vectors.
    pub fn exit_code(&self) -> u8 {
        if !self.unreadable.is_empty() {
            2
        } else if self.all_passed() {
            0
        } else {
            1
        }
    }

    pub fn human(&self) -> String {
        let mut out = String::new();
        let claims = if self.capabilities.is_empty() { "nothing".to_string() } else { self.capabilities.join(", ") };
        let _ = writeln!(out, "implementation {} (claims {claims})", self.implementation);
        for result in &self.results {
            let (tag, reason) = match &result.verdict {
                Verdict::Pass => ("pass", String::new()),
                Verdict::Fail(reason) => ("FAIL", format!(": {reason}")),
                Verdict::Skip(reason) => ("skip", format!(": {reason}")),
            };
            let _ = writeln!(out, "{tag:<5} {}{reason}", result.name);
        }
        for error in &self.unreadable {
            let _ = writeln!(out, "UNREADABLE {error}");
        }
        let _ = writeln!(out, "\nrule coverage (vectors passed / vectors covering the rule):");
        for row in &self.coverage {
            let mark = if row.vectors == 0 && (row.status.starts_with("modelled")) { "  <- no vector" } else { "" };
            let _ = writeln!(out, "  {:<4} {:<17} {}/{}{mark}", row.rule, row.status, row.passed, row.vectors);
        }
        let _ = write!(out, "\n{} passed, {} failed, {} skipped", self.passed, self.failed, self.skipped);
        if !self.unreadable.is_empty() {
            let _ = write!(out, ", {} unreadable", self.unreadable.len());
        }
        if let Some(reason) = self.nothing_ran() {
            let _ = write!(out, "\nnothing ran: {reason}, so the run does not pass");
        }
        out
    }

    /// Returns why no vector passed or failed, or `None` when one did.
    fn nothing_ran(&self) -> Option<String> {
        if self.passed > 0 || self.failed > 0 {
            return None;
        }
        if !self.results.is_empty() {
            return Some("every vector was skipped".into());
        }
        let reason = match self.filter.as_deref() {
            Some("crypto") => "no crypto vector was loaded, so no vector covers --filter crypto".to_string(),
            Some(rule) => match RULES.iter().find(|(id, _)| id.eq_ignore_ascii_case(rule)) {
                Some((id, status)) => format!("no vector covers --filter {rule}, and rule {id} is {} in the model", status.text()),
                None => format!("no vector covers --filter {rule}"),
            },
            None => "the vectors directory contains no vectors".to_string(),
        };
        Some(reason)
    }

    pub fn junit(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let failures = self.failed + self.unreadable.len();
        let _ = writeln!(
            out,
            "<testsuite name=\"mailspec conformance: {}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{}\" time=\"{:.3}\">",
            xml(&self.implementation),
            self.results.len() + self.unreadable.len(),
            self.skipped,
            self.seconds
        );
        for result in &self.results {
            let _ = write!(out, "  <testcase classname=\"mailspec\" name=\"{}\" time=\"{:.3}\"", xml(&result.name), result.seconds);
            match &result.verdict {
                Verdict::Pass => out.push_str("/>\n"),
                Verdict::Fail(reason) => {
                    let _ = writeln!(out, "><failure message=\"{}\"/></testcase>", xml(reason));
                }
                Verdict::Skip(reason) => {
                    let _ = writeln!(out, "><skipped message=\"{}\"/></testcase>", xml(reason));
                }
            }
        }
        for error in &self.unreadable {
            let _ = writeln!(out, "  <testcase classname=\"mailspec\" name=\"unreadable vector\"><error message=\"{}\"/></testcase>", xml(error));
        }
        out.push_str("</testsuite>\n");
        out
    }
}

/// Escapes text for an XML 1.0 attribute value or element content.
///
/// XML 1.0 forbids most C0 controls, U+FFFE and U+FFFF even as character references,
/// so each of them is written as the visible text `\u{XXXX}` instead. Tab, line feed
/// and carriage return become character references, because a parser would turn them
/// into spaces inside an attribute value.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if is_xml_char(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
            }
        }
    }
    out
}

/// True for the characters of the `Char` production of XML 1.0 (fifth edition).
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn coverage(results: &[VectorResult]) -> Vec<RuleCoverage> {
    let mut by_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for result in results {
        for rule in &result.rules {
            let entry = by_rule.entry(rule.as_str()).or_default();
            entry.0 += 1;
            if result.verdict == Verdict::Pass {
                entry.1 += 1;
            }
        }
    }
    RULES
        .iter()
        .map(|(rule, status)| {
            let (vectors, passed) = by_rule.get(rule).copied().unwrap_or_default();
            RuleCoverage { rule: rule.to_string(), status: status.text().to_string(), vectors, passed }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_failing_with(reason: &str) -> SuiteReport {
        let result = VectorResult { name: "scenarios/example".into(), rules: vec!["T1".into()], verdict: Verdict::Fail(reason.into()), seconds: 0.0 };
        SuiteReport::new("adapter \u{7}".into(), Vec::new(), vec![result], &[], 0.0)
    }

    #[test]
    fn junit_contains_only_xml_characters() {
        let junit = report_failing_with("got \u{1b}[31mred\u{1b}[0m and \u{0} and \u{ffff}").junit();
        let forbidden: Vec<char> = junit.chars().filter(|c| !is_xml_char(*c)).collect();
        assert!(forbidden.is_empty(), "forbidden characters {forbidden:?} in {junit}");
    }

    #[test]
    fn junit_shows_control_characters_as_escapes() {
        let junit = report_failing_with("got \u{1b}[31mred and \u{0}").junit();
        assert!(junit.contains(r#"message="got \u{001b}[31mred and \u{0000}""#), "{junit}");
        assert!(junit.contains(r#"name="mailspec conformance: adapter \u{0007}""#), "{junit}");
    }

    #[test]
    fn junit_keeps_whitespace_and_markup_escaped() {
        let junit = report_failing_with("line one\nline two\t<tag> & \"quoted\"\r").junit();
        assert!(junit.contains(r#"message="line one&#10;line two&#9;&lt;tag&gt; &amp; &quot;quoted&quot;&#13;""#), "{junit}");
    }
}
