//! Text identifiers of principals and stored objects, as they appear in key boxes, envelopes
//! and object ids.

use mailspec_model::ids::{AccountId, DeviceId, UserId};
use mailspec_model::world::Region;

/// The service's own identifier in envelopes (the service box and the service sender).
pub const SERVICE_ID: &str = "mailspec-service";

pub fn user(user: UserId) -> String {
    format!("user{}", user.0)
}

pub fn device(device: DeviceId) -> String {
    device.to_string()
}

pub fn account(account: AccountId) -> String {
    format!("account{}", account.0)
}

/// Returns the id of a user's `number`-th backup key (counting from 1).
pub fn backup(user: UserId, number: u32) -> String {
    format!("user{}.backup{number}", user.0)
}

/// Returns the id of a user's `number`-th escrow device (counting from 1).
pub fn escrow(user: UserId, number: u32) -> String {
    format!("user{}.escrow{number}", user.0)
}

/// Returns the lower-case region name that starts the id of every object stored there.
pub fn region(region: Region) -> &'static str {
    match region {
        Region::Us => "us",
        Region::Eu => "eu",
        Region::Other => "other",
    }
}
