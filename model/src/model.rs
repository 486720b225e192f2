//! The stateright model: one scope of the world, its action space and its bounds.

use crate::mutant::ModelMutant;
use crate::op::Operation;
use crate::properties::catalog;
use crate::rules::Rules;
use crate::scope::{ActionSpace, Bounds};
use crate::state::State;
use crate::world::World;
use stateright::{Model, Property};

/// One exhaustively checkable scope of the specification.
#[derive(Clone, Debug)]
pub struct MailModel {
    pub scope: &'static str,
    pub world: World,
    /// The state the search starts from, after the scope's setup operations.
    pub init: State,
    pub space: ActionSpace,
    pub bounds: Bounds,
    pub mutant: Option<ModelMutant>,
    /// Merge states that differ only by a permutation of interchangeable users or
    /// devices (see `symmetry`).
    pub symmetry: bool,
}

impl MailModel {
    pub fn rules(&self) -> Rules<'_> {
        Rules::with_mutant(&self.world, self.mutant)
    }

    /// Returns this model with one mutant switched on.
    pub fn with_mutant(mut self, mutant: Option<ModelMutant>) -> Self {
        self.mutant = mutant;
        self
    }
}

impl Model for MailModel {
    type State = State;
    type Action = Operation;

    fn init_states(&self) -> Vec<State> {
        vec![self.init.clone()]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Operation>) {
        self.space.generate(&self.world, state, actions);
    }

    fn next_state(&self, state: &State, action: Operation) -> Option<State> {
        let next = self.rules().apply(state, &action).state?;
        if self.symmetry {
            return Some(crate::symmetry::representative(&self.world, &self.space, &next));
        }
        Some(next)
    }

    fn within_boundary(&self, state: &State) -> bool {
        self.bounds.admit(state)
    }

    fn properties(&self) -> Vec<Property<Self>> {
        let mut properties = Vec::with_capacity(catalog().len() * 2);
        for property in catalog() {
            properties.push(Property::always(property.name, property.holds));
            properties.push(Property::sometimes(property.witness, property.reached));
        }
        properties
    }
}
