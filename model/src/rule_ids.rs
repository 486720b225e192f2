//! The rule IDs of `docs/spec.md` and how each is checked.

/// How the project checks one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleStatus {
    /// Operations, guards and properties of the model cover the rule.
    Modelled,
    /// The model covers part of the rule; `docs/spec.md` says which part.
    ModelledInPart,
    /// Only the reference implementation enforces the rule.
    SimulatedOnly,
    /// Neither the model nor the reference implementation checks the rule.
    OutOfScope,
}

impl RuleStatus {
    /// Returns the status as `docs/spec.md` writes it.
    pub fn text(self) -> &'static str {
        match self {
            RuleStatus::Modelled => "modelled",
            RuleStatus::ModelledInPart => "modelled in part",
            RuleStatus::SimulatedOnly => "simulated only",
            RuleStatus::OutOfScope => "out of scope",
        }
    }

    /// Returns true for the rules every conformance run must cover with a vector.
    pub fn needs_vector(self) -> bool {
        matches!(self, RuleStatus::Modelled | RuleStatus::ModelledInPart)
    }
}

/// Every rule, in the order of `docs/spec.md`.
pub const RULES: &[(&str, RuleStatus)] = &[
    ("T1", RuleStatus::Modelled),
    ("T2", RuleStatus::ModelledInPart),
    ("T3", RuleStatus::Modelled),
    ("T4", RuleStatus::Modelled),
    ("T5", RuleStatus::Modelled),
    ("T6", RuleStatus::Modelled),
    ("T7", RuleStatus::Modelled),
    ("T8", RuleStatus::OutOfScope),
    ("T9", RuleStatus::ModelledInPart),
    ("M1", RuleStatus::Modelled),
    ("M2", RuleStatus::Modelled),
    ("M3", RuleStatus::ModelledInPart),
    ("M4", RuleStatus::Modelled),
    ("M5", RuleStatus::Modelled),
    ("M6", RuleStatus::Modelled),
    ("M7", RuleStatus::Modelled),
    ("M8", RuleStatus::ModelledInPart),
    ("M9", RuleStatus::OutOfScope),
    ("M10", RuleStatus::Modelled),
    ("M11", RuleStatus::Modelled),
    ("M12", RuleStatus::Modelled),
    ("L1", RuleStatus::Modelled),
    ("L2", RuleStatus::Modelled),
    ("L3", RuleStatus::Modelled),
    ("L4", RuleStatus::Modelled),
    ("L5", RuleStatus::Modelled),
    ("L6", RuleStatus::Modelled),
    ("L7", RuleStatus::Modelled),
    ("D1", RuleStatus::Modelled),
    ("D2", RuleStatus::Modelled),
    ("D3", RuleStatus::Modelled),
    ("D4", RuleStatus::Modelled),
    ("D5", RuleStatus::Modelled),
    ("D6", RuleStatus::Modelled),
    ("D7", RuleStatus::Modelled),
    ("D8", RuleStatus::Modelled),
    ("D9", RuleStatus::Modelled),
    ("E1", RuleStatus::Modelled),
    ("E2", RuleStatus::Modelled),
    ("E3", RuleStatus::Modelled),
    ("E4", RuleStatus::Modelled),
    ("E5", RuleStatus::Modelled),
    ("C1", RuleStatus::Modelled),
    ("C2", RuleStatus::Modelled),
    ("S1", RuleStatus::Modelled),
    ("S2", RuleStatus::Modelled),
    ("S3", RuleStatus::Modelled),
    ("S4", RuleStatus::OutOfScope),
    ("S5", RuleStatus::ModelledInPart),
];
