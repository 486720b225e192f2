//! Symmetry reduction: one representative per class of states that differ only by a
//! permutation of interchangeable devices or users.
//!
//! Devices of one user are interchangeable, and the action space already picks one
//! representative order for them: a new device always takes the lowest unused slot,
//! so slots are numbered in enrollment order. Users are interchangeable when the world
//! treats them alike (same account, domain and slot count, no list or delegation names
//! them) and the scope offers each the same senders and recipients; the representative
//! sorts such users by record and rewrites every reference to a moved user, so it is
//! a true permutation of the state.

use crate::ids::{DeviceId, UserId};
use crate::op::{Client, Recipient};
use crate::scope::ActionSpace;
use crate::state::{Protection, State};
use crate::world::World;

pub fn representative(world: &World, space: &ActionSpace, state: &State) -> State {
    let mut next = state.clone();
    sort_users(world, space, &mut next);
    next
}

/// Returns true when swapping two users maps the scope's senders and recipients onto
/// themselves, so that the scope offers each user the same operations.
fn space_symmetric(space: &ActionSpace, a: UserId, b: UserId) -> bool {
    let swap = |user: UserId| if user == a { b } else if user == b { a } else { user };
    let swap_client = |client: &Client| match *client {
        Client::App(device) => Client::App(DeviceId::new(swap(device.user), device.slot)),
        Client::Webmail(user) => Client::Webmail(swap(user)),
    };
    let swap_recipient = |to: &Recipient| match *to {
        Recipient::User(user) => Recipient::User(swap(user)),
        other => other,
    };
    let senders_same = space.senders.iter().map(swap_client).all(|c| space.senders.contains(&c));
    let recipients_same = space.recipients.iter().map(swap_recipient).all(|r| space.recipients.contains(&r));
    senders_same && recipients_same
}

/// Returns the classes of users the world and the scope treat alike.
pub fn interchangeable(world: &World, space: &ActionSpace) -> Vec<Vec<UserId>> {
    let mentioned = |user: UserId| {
        world.lists.iter().any(|list| list.members.contains(&user))
            || world.delegations.iter().any(|(a, b)| *a == user || *b == user)
    };
    let mut classes: Vec<Vec<UserId>> = Vec::new();
    for user in world.user_ids().filter(|u| !mentioned(*u)) {
        let alike = |first: UserId| world.user(first) == world.user(user) && space_symmetric(space, first, user);
        let class = classes.iter_mut().find(|class| alike(class[0]));
        match class {
            Some(class) => class.push(user),
            None => classes.push(vec![user]),
        }
    }
    classes.retain(|class| class.len() > 1);
    classes
}

fn sort_users(world: &World, space: &ActionSpace, state: &mut State) {
    for class in interchangeable(world, space) {
        let mut order = class.clone();
        order.sort_by(|a, b| state.user(*a).cmp(state.user(*b)));
        if order == class {
            continue;
        }
        // `order[i]` moves to position `class[i]`.
        let rename = |user: UserId| class.get(order.iter().position(|u| *u == user).unwrap_or(usize::MAX)).copied().unwrap_or(user);
        let records: Vec<_> = order.iter().map(|u| state.user(*u).clone()).collect();
        for (slot, record) in class.iter().zip(records) {
            state.users[slot.index()] = record;
        }
        rename_users(state, &rename);
    }
}

fn rename_users(state: &mut State, rename: &dyn Fn(UserId) -> UserId) {
    let rename_recipient = |to: Recipient| match to {
        Recipient::User(user) => Recipient::User(rename(user)),
        other => other,
    };
    let rename_protection = |protection: Protection| match protection {
        Protection::Sealed { user, epoch } => Protection::Sealed { user: rename(user), epoch },
        other => other,
    };
    for message in state.messages.iter_mut() {
        message.sender = rename(message.sender);
        message.to = rename_recipient(message.to);
        message.from = message.from.map(|from| match from {
            Client::App(device) => Client::App(DeviceId::new(rename(device.user), device.slot)),
            Client::Webmail(user) => Client::Webmail(rename(user)),
        });
        message.recipient_copy.protection = rename_protection(message.recipient_copy.protection);
        if let Some(copy) = message.sent_copy.as_mut() {
            copy.protection = rename_protection(copy.protection);
        }
    }
    for event in state.events.iter_mut() {
        event.organizer = rename(event.organizer);
        event.owner = rename(event.owner);
        event.attendee = rename_recipient(event.attendee);
        event.protection = rename_protection(event.protection);
    }
}
