//! A shortest counterexample, found by a plain breadth-first search.
//!
//! stateright 0.31 records the last violating state its search visits, not the first,
//! so its paths can be longer than needed. Once a violation is known, this search
//! walks the scope again level by level and stops at the first violating state.
//!
//! The search runs without symmetry reduction. With it, each step would land on the
//! representative of its class, which may rename users, so a printed trace could show
//! one user's operations under another's id from one step to the next.

use mailspec_model::{MailModel, Operation, State};
use stateright::Model;
use std::collections::{HashMap, VecDeque};

/// Returns the states and operations of a shortest path from the initial state to a
/// state where `holds` is false, or `None` when no reachable state violates it.
pub fn shortest_violation(
    model: &MailModel,
    holds: fn(&MailModel, &State) -> bool,
) -> Option<Vec<(State, Option<Operation>)>> {
    let model = &MailModel { symmetry: false, ..model.clone() };
    let init = model.init_states().remove(0);
    let mut parents: HashMap<State, Option<(State, Operation)>> = HashMap::from([(init.clone(), None)]);
    let mut queue = VecDeque::from([init]);
    let mut actions = Vec::new();

    while let Some(state) = queue.pop_front() {
        if !holds(model, &state) {
            return Some(unwind(&parents, state));
        }
        actions.clear();
        model.actions(&state, &mut actions);
        for action in actions.drain(..) {
            let Some(next) = model.next_state(&state, action.clone()) else { continue };
            if !model.within_boundary(&next) || parents.contains_key(&next) {
                continue;
            }
            parents.insert(next.clone(), Some((state.clone(), action)));
            queue.push_back(next);
        }
    }
    None
}

/// Follows parent links back to the initial state and returns the path in order,
/// each state paired with the operation taken from it.
fn unwind(parents: &HashMap<State, Option<(State, Operation)>>, last: State) -> Vec<(State, Option<Operation>)> {
    let mut path = vec![(last.clone(), None)];
    let mut current = last;
    while let Some(Some((parent, action))) = parents.get(&current) {
        path.push((parent.clone(), Some(action.clone())));
        current = parent.clone();
    }
    path.reverse();
    path
}
