//! The safety properties, each with its rules, its reachability witness and the model
//! mutant that breaks it.
//!
//! A property is an `always` condition over every reachable state. Its witness is a
//! `sometimes` condition saying the situation the property guards does occur, so no
//! property holds only because its situation is unreachable.

use crate::ids::{Epoch, UserId};
use crate::model::MailModel;
use crate::mutant::ModelMutant;
use crate::op::{Client, Mode, Policy, Recipient, ATTACHMENT_LIMIT};
use crate::rules::service_reads;
use crate::state::{DeviceStatus, KeyHolder, Message, Protection, State};

type Condition = fn(&MailModel, &State) -> bool;

/// One safety property and everything a reviewer needs to trust it.
#[derive(Clone, Copy)]
pub struct SafetyProperty {
    pub name: &'static str,
    pub rules: &'static [&'static str],
    pub statement: &'static str,
    pub holds: Condition,
    pub witness: &'static str,
    pub witness_statement: &'static str,
    pub reached: Condition,
    pub mutant: ModelMutant,
}

impl std::fmt::Debug for SafetyProperty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SafetyProperty").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Returns the whole catalog, in the order of `docs/properties.md`.
pub fn catalog() -> &'static [SafetyProperty] {
    &CATALOG
}

/// Returns the property with this name, if any.
pub fn find(name: &str) -> Option<&'static SafetyProperty> {
    CATALOG.iter().find(|property| property.name == name)
}

static CATALOG: [SafetyProperty; 30] = [
    SafetyProperty {
        name: "revoked_device_reads_no_later_mail",
        rules: &["D7"],
        statement: "a revoked device opens no received or Sent copy sealed after its revocation, outside a delayed-rotation window",
        holds: revoked_device_reads_no_later_mail,
        witness: "mail_sealed_after_a_revocation",
        witness_statement: "a user with a revoked device received mail sealed after the revocation",
        reached: mail_sealed_after_a_revocation,
        mutant: ModelMutant::RevokeWithoutRotation,
    },
    SafetyProperty {
        name: "revoked_holders_learn_no_new_generation",
        rules: &["D7", "D8", "E2"],
        statement: "revoked devices, backup keys and escrow devices never receive a generation made after their revocation",
        holds: revoked_holders_learn_no_new_generation,
        witness: "rotation_after_a_revocation",
        witness_statement: "a user rotated after one of its key holders was revoked",
        reached: rotation_after_a_revocation,
        mutant: ModelMutant::RotationReachesRevoked,
    },
    SafetyProperty {
        name: "history_needs_approval",
        rules: &["D4", "D5", "D6"],
        statement: "a device that was never approved holds no generation older than its own enrollment",
        holds: history_needs_approval,
        witness: "approved_device_holds_history",
        witness_statement: "an approved device holds a generation older than its enrollment",
        reached: approved_device_holds_history,
        mutant: ModelMutant::AddGrantsHistory,
    },
    SafetyProperty {
        name: "active_devices_hold_current_generation",
        rules: &["D2", "D3"],
        statement: "every active device holds its user's current generation unless a delayed rotation is pending",
        holds: active_devices_hold_current_generation,
        witness: "two_devices_share_a_rotated_key",
        witness_statement: "a user has two active devices and a generation beyond the first",
        reached: two_devices_share_a_rotated_key,
        mutant: ModelMutant::AddSkipsOlderDevices,
    },
    SafetyProperty {
        name: "service_never_reads_e2ee",
        rules: &["M7"],
        statement: "no copy of an E2EE message is readable by the service",
        holds: service_never_reads_e2ee,
        witness: "e2ee_message_stored",
        witness_statement: "an E2EE message is stored",
        reached: e2ee_message_stored,
        mutant: ModelMutant::E2eeWithServiceBox,
    },
    SafetyProperty {
        name: "service_keeps_no_link_secret",
        rules: &["L3"],
        statement: "after sending, the service holds no link secret",
        holds: service_keeps_no_link_secret,
        witness: "link_sent",
        witness_statement: "a password-expiring link was sent",
        reached: link_sent,
        mutant: ModelMutant::KeepLinkSecret,
    },
    SafetyProperty {
        name: "expired_link_content_is_gone",
        rules: &["L6"],
        statement: "once a link's expiry instant is reached, its content is deleted",
        holds: expired_link_content_is_gone,
        witness: "link_expired",
        witness_statement: "a link expired and its content was deleted",
        reached: link_expired,
        mutant: ModelMutant::ExpiryOffByOne,
    },
    SafetyProperty {
        name: "link_lifetime_is_day_week_or_month",
        rules: &["L5"],
        statement: "every link expires exactly one day, one week or 30 days after sending",
        holds: link_lifetime_is_day_week_or_month,
        witness: "month_long_link_sent",
        witness_statement: "a link with the 30-day lifetime was sent",
        reached: month_long_link_sent,
        mutant: ModelMutant::AcceptAnyExpiry,
    },
    SafetyProperty {
        name: "list_mail_never_e2ee",
        rules: &["M5"],
        statement: "no message to a mailing list is E2EE",
        holds: list_mail_never_e2ee,
        witness: "list_mail_sent",
        witness_statement: "a message to a mailing list was sent",
        reached: list_mail_sent,
        mutant: ModelMutant::E2eeToList,
    },
    SafetyProperty {
        name: "webmail_sends_standard_only",
        rules: &["M6"],
        statement: "every message sent from webmail is standard mail",
        holds: webmail_sends_standard_only,
        witness: "webmail_sent_mail",
        witness_statement: "a message was sent from webmail",
        reached: webmail_sent_mail,
        mutant: ModelMutant::WebmailSendsEncrypted,
    },
    SafetyProperty {
        name: "webmail_shows_standard_only",
        rules: &["M6", "M10"],
        statement: "webmail never displays E2EE or password-expiring mail",
        holds: webmail_shows_standard_only,
        witness: "webmail_displayed_mail",
        witness_statement: "webmail displayed a message",
        reached: webmail_displayed_mail,
        mutant: ModelMutant::WebmailShowsEncrypted,
    },
    SafetyProperty {
        name: "policy_never_changes",
        rules: &["T7"],
        statement: "a domain's policy, once set, stays the first one set",
        holds: policy_never_changes,
        witness: "policy_set",
        witness_statement: "a domain has a policy",
        reached: policy_set,
        mutant: ModelMutant::PolicyMutable,
    },
    SafetyProperty {
        name: "secure_only_sends_no_standard",
        rules: &["T7", "M1"],
        statement: "users of a secure-only domain never send standard mail",
        holds: secure_only_sends_no_standard,
        witness: "secure_only_user_sent_mail",
        witness_statement: "a user of a secure-only domain sent mail",
        reached: secure_only_user_sent_mail,
        mutant: ModelMutant::SecureOnlyAllowsStandard,
    },
    SafetyProperty {
        name: "cross_account_e2ee_needs_both_domains",
        rules: &["M2", "M4"],
        statement: "E2EE between accounts happens only when both domains enabled cross-domain encryption",
        holds: cross_account_e2ee_needs_both_domains,
        witness: "cross_account_e2ee_sent",
        witness_statement: "an E2EE message went to another account",
        reached: cross_account_e2ee_sent,
        mutant: ModelMutant::OneSidedCrossDomain,
    },
    SafetyProperty {
        name: "e2ee_recipient_has_a_device",
        rules: &["M3"],
        statement: "E2EE goes only to users with an active device at sending time",
        holds: e2ee_recipient_has_a_device,
        witness: "e2ee_to_a_user_sent",
        witness_statement: "an E2EE message to a user was sent",
        reached: e2ee_to_a_user_sent,
        mutant: ModelMutant::E2eeWithoutRecipientKeys,
    },
    SafetyProperty {
        name: "waiting_mail_is_sealed_at_first_device",
        rules: &["M3", "D3"],
        statement: "no copy waits under a service box once its recipient has a per-user key",
        holds: waiting_mail_is_sealed_at_first_device,
        witness: "waiting_mail_sealed",
        witness_statement: "mail that waited for a first device was sealed to it",
        reached: waiting_mail_sealed,
        mutant: ModelMutant::SkipReencryption,
    },
    SafetyProperty {
        name: "discovery_needs_escrow_read",
        rules: &["E4", "E5"],
        statement: "only admins with the escrow-read permission decrypt members' mail",
        holds: discovery_needs_escrow_read,
        witness: "escrow_discovery_done",
        witness_statement: "an admin decrypted a member's mail through escrow",
        reached: escrow_discovery_done,
        mutant: ModelMutant::DiscoveryWithoutRead,
    },
    SafetyProperty {
        name: "recovery_needs_escrow_write",
        rules: &["E3", "E5"],
        statement: "only admins with the escrow-write permission approve devices through escrow",
        holds: recovery_needs_escrow_write,
        witness: "escrow_recovery_done",
        witness_statement: "an admin approved a member's device through escrow",
        reached: escrow_recovery_done,
        mutant: ModelMutant::RecoveryWithoutWrite,
    },
    SafetyProperty {
        name: "escrow_holds_nothing_before_acknowledgement",
        rules: &["E2", "E4"],
        statement: "an escrow device holds no generation older than the member's acknowledgement",
        holds: escrow_holds_nothing_before_acknowledgement,
        witness: "escrow_device_beside_history",
        witness_statement: "a member with an escrow device has generations older than it",
        reached: escrow_device_beside_history,
        mutant: ModelMutant::EscrowGetsHistory,
    },
    SafetyProperty {
        name: "mail_only_in_us_or_eu",
        rules: &["T1"],
        statement: "only accounts hosted in the US or the EU have mail enabled",
        holds: mail_only_in_us_or_eu,
        witness: "mail_enabled",
        witness_statement: "an account has mail enabled",
        reached: mail_enabled,
        mutant: ModelMutant::AnyRegion,
    },
    SafetyProperty {
        name: "custom_domain_needs_business_plan",
        rules: &["T4"],
        statement: "only accounts on plan Business or higher hold a custom domain",
        holds: custom_domain_needs_business_plan,
        witness: "custom_domain_added",
        witness_statement: "a custom domain was added",
        reached: custom_domain_added,
        mutant: ModelMutant::AnyPlan,
    },
    SafetyProperty {
        name: "policy_needs_verified_domain",
        rules: &["T4", "T7"],
        statement: "only verified domains have a policy",
        holds: policy_needs_verified_domain,
        witness: "verified_domain_configured",
        witness_statement: "a verified domain has its policy",
        reached: verified_domain_configured,
        mutant: ModelMutant::PolicyBeforeVerify,
    },
    SafetyProperty {
        name: "data_stays_in_region",
        rules: &["T2"],
        statement: "every stored copy lives in the region of the account that owns it",
        holds: data_stays_in_region,
        witness: "mail_between_regions",
        witness_statement: "mail went from an account in one region to an account in another",
        reached: mail_between_regions,
        mutant: ModelMutant::CopyInSenderRegion,
    },
    SafetyProperty {
        name: "attachments_within_limit",
        rules: &["S3"],
        statement: "no stored message has an attachment larger than 25 MiB",
        holds: attachments_within_limit,
        witness: "attachment_at_limit_stored",
        witness_statement: "a message with an attachment of exactly 25 MiB is stored",
        reached: attachment_at_limit_stored,
        mutant: ModelMutant::LimitOffByOne,
    },
    SafetyProperty {
        name: "calendar_never_e2ee",
        rules: &["C1"],
        statement: "every calendar event is readable by the service",
        holds: calendar_never_e2ee,
        witness: "external_invitation_sent",
        witness_statement: "an event invites an address outside the service",
        reached: external_invitation_sent,
        mutant: ModelMutant::E2eeCalendar,
    },
    SafetyProperty {
        name: "calendar_for_others_needs_delegation",
        rules: &["C2"],
        statement: "events on another user's calendar come only from its delegates",
        holds: calendar_for_others_needs_delegation,
        witness: "delegate_scheduled",
        witness_statement: "a delegate scheduled an event on another user's calendar",
        reached: delegate_scheduled,
        mutant: ModelMutant::NoDelegationCheck,
    },
    SafetyProperty {
        name: "scans_only_readable_mail",
        rules: &["S1", "S2"],
        statement: "spam, authentication and hygiene checks touch only mail that is neither E2EE nor password-expiring",
        holds: scans_only_readable_mail,
        witness: "mail_scanned",
        witness_statement: "the service scanned a message",
        reached: mail_scanned,
        mutant: ModelMutant::ScanEverything,
    },
    SafetyProperty {
        name: "sender_keeps_encrypted_sent_copy",
        rules: &["M10"],
        statement: "the Sent copy of E2EE and password-expiring mail is sealed to the sender's key and opens on the sending device while it is active",
        holds: sender_keeps_encrypted_sent_copy,
        witness: "encrypted_sent_copy_stored",
        witness_statement: "a password-expiring message's Sent copy is stored",
        reached: encrypted_sent_copy_stored,
        mutant: ModelMutant::NoSentCopyKey,
    },
    SafetyProperty {
        name: "stored_mail_encrypted_at_rest",
        rules: &["M1", "M11", "M12", "L4"],
        statement: "no stored copy or event is kept without encryption at rest",
        holds: stored_mail_encrypted_at_rest,
        witness: "inbound_mail_stored",
        witness_statement: "mail from an external provider is stored",
        reached: inbound_mail_stored,
        mutant: ModelMutant::PlaintextAtRest,
    },
    SafetyProperty {
        name: "no_mail_sealed_to_stale_generation",
        rules: &["D7", "M7"],
        statement: "every E2EE copy is sealed to the generation current when it was sent",
        holds: no_mail_sealed_to_stale_generation,
        witness: "e2ee_after_rotation",
        witness_statement: "E2EE mail was sealed to a generation beyond the first",
        reached: e2ee_after_rotation,
        mutant: ModelMutant::AcceptStaleGeneration,
    },
];

// Helpers over the state.

fn messages(state: &State) -> impl Iterator<Item = &Message> {
    state.messages.iter()
}

fn sealed_epoch(protection: Protection, user: UserId) -> Option<Epoch> {
    match protection {
        Protection::Sealed { user: owner, epoch } if owner == user => Some(epoch),
        _ => None,
    }
}

fn holders(state: &State, user: UserId) -> impl Iterator<Item = &KeyHolder> {
    let record = state.user(user);
    record.backup.iter().chain(record.escrow_device.iter()).chain(record.retired.iter())
}

fn user_ids(state: &State) -> impl Iterator<Item = UserId> {
    (0..state.users.len() as u8).map(UserId)
}

// Key lifecycle (D).

fn revoked_device_reads_no_later_mail(_: &MailModel, state: &State) -> bool {
    user_ids(state).all(|user| {
        state.user(user).devices.iter().filter_map(|device| device.revoked.map(|r| (device, r))).all(
            |(device, revocation)| {
                messages(state).skip(usize::from(revocation.messages_before)).all(|message| {
                    let received = sealed_epoch(message.recipient_copy.protection, user)
                        .filter(|_| !message.facts.recipient_rotation_pending);
                    let sent = message
                        .sent_copy
                        .and_then(|copy| sealed_epoch(copy.protection, user))
                        .filter(|_| !message.facts.sender_rotation_pending);
                    [received, sent].into_iter().flatten().all(|epoch| !device.keys.contains(epoch))
                })
            },
        )
    })
}

fn mail_sealed_after_a_revocation(_: &MailModel, state: &State) -> bool {
    user_ids(state).any(|user| {
        state.user(user).devices.iter().filter_map(|device| device.revoked).any(|revocation| {
            messages(state).skip(usize::from(revocation.messages_before)).any(|message| {
                sealed_epoch(message.recipient_copy.protection, user).is_some_and(|epoch| epoch > revocation.epoch)
            })
        })
    })
}

fn revoked_holders_learn_no_new_generation(_: &MailModel, state: &State) -> bool {
    user_ids(state).all(|user| {
        let devices = state.user(user).devices.iter().filter_map(|d| d.revoked.map(|r| (d.keys, r)));
        let others = holders(state, user).filter_map(|h| h.revoked.map(|r| (h.keys, r)));
        devices.chain(others).all(|(keys, revocation)| !keys.has_newer_than(revocation.epoch))
    })
}

fn rotation_after_a_revocation(_: &MailModel, state: &State) -> bool {
    user_ids(state).any(|user| {
        let current = state.user(user).epoch;
        let devices = state.user(user).devices.iter().filter_map(|d| d.revoked);
        let others = holders(state, user).filter_map(|h| h.revoked);
        devices.chain(others).any(|revocation| current > revocation.epoch)
    })
}

fn history_needs_approval(_: &MailModel, state: &State) -> bool {
    state.users.iter().flat_map(|user| user.devices.iter()).all(|device| {
        device.status == DeviceStatus::Unused || device.approved || !device.keys.has_older_than(device.added_at)
    })
}

fn approved_device_holds_history(_: &MailModel, state: &State) -> bool {
    state
        .users
        .iter()
        .flat_map(|user| user.devices.iter())
        .any(|device| device.approved && device.keys.has_older_than(device.added_at))
}

fn active_devices_hold_current_generation(_: &MailModel, state: &State) -> bool {
    state
        .users
        .iter()
        .filter(|user| !user.rotation_pending)
        .all(|user| user.active_devices().all(|(_, device)| device.keys.contains(user.epoch)))
}

fn two_devices_share_a_rotated_key(_: &MailModel, state: &State) -> bool {
    state.users.iter().any(|user| user.active_devices().count() >= 2 && user.epoch > Epoch(1))
}

// Modes and delivery (M).

fn copies(message: &Message) -> impl Iterator<Item = Protection> {
    std::iter::once(message.recipient_copy.protection).chain(message.sent_copy.map(|copy| copy.protection))
}

fn service_never_reads_e2ee(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.mode == Mode::E2ee).all(|m| !copies(m).any(service_reads))
}

fn e2ee_message_stored(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.mode == Mode::E2ee)
}

fn list_mail_never_e2ee(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| matches!(m.to, Recipient::List(_))).all(|m| m.mode != Mode::E2ee)
}

fn list_mail_sent(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| matches!(m.to, Recipient::List(_)))
}

fn webmail_sends_standard_only(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| matches!(m.from, Some(Client::Webmail(_)))).all(|m| m.mode == Mode::Standard)
}

fn webmail_sent_mail(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| matches!(m.from, Some(Client::Webmail(_))))
}

fn webmail_shows_standard_only(_: &MailModel, state: &State) -> bool {
    state.webmail_shown.iter().all(|id| !state.messages[id.index()].mode.is_client_encrypted())
}

fn webmail_displayed_mail(_: &MailModel, state: &State) -> bool {
    !state.webmail_shown.is_empty()
}

fn secure_only_sends_no_standard(_: &MailModel, state: &State) -> bool {
    messages(state)
        .filter(|m| m.facts.sender_domain_policy == Some(Policy::SecureOnly))
        .all(|m| m.mode != Mode::Standard)
}

fn secure_only_user_sent_mail(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.facts.sender_domain_policy == Some(Policy::SecureOnly))
}

fn cross_account_e2ee_needs_both_domains(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.mode == Mode::E2ee && m.facts.cross_account).all(|m| m.facts.both_cross_domain)
}

fn cross_account_e2ee_sent(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.mode == Mode::E2ee && m.facts.cross_account)
}

fn e2ee_recipient_has_a_device(_: &MailModel, state: &State) -> bool {
    messages(state)
        .filter(|m| m.mode == Mode::E2ee && matches!(m.to, Recipient::User(_)))
        .all(|m| m.facts.recipient_has_active_device)
}

fn e2ee_to_a_user_sent(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.mode == Mode::E2ee && matches!(m.to, Recipient::User(_)))
}

/// Checks the recipient copy's protection itself, not the flag that the sealing rule sets.
fn waiting_mail_is_sealed_at_first_device(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.mode == Mode::AwaitingKeys).all(|m| match m.to {
        Recipient::User(user) => {
            state.user(user).epoch.is_none() || sealed_epoch(m.recipient_copy.protection, user).is_some()
        }
        _ => true,
    })
}

fn waiting_mail_sealed(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| {
        let Recipient::User(user) = m.to else { return false };
        m.mode == Mode::AwaitingKeys && sealed_epoch(m.recipient_copy.protection, user).is_some()
    })
}

fn sender_keeps_encrypted_sent_copy(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.mode.is_client_encrypted()).all(|m| {
        let Some(copy) = m.sent_copy else { return false };
        let Some(epoch) = sealed_epoch(copy.protection, m.sender) else { return false };
        match m.from {
            Some(Client::App(device)) => !state.is_active(device) || state.device(device).is_some_and(|d| d.keys.contains(epoch)),
            _ => true,
        }
    })
}

fn encrypted_sent_copy_stored(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.mode == Mode::PasswordExpiring && m.sent_copy.is_some())
}

fn stored_mail_encrypted_at_rest(_: &MailModel, state: &State) -> bool {
    let mail = messages(state).flat_map(copies);
    let events = state.events.iter().map(|event| event.protection);
    mail.chain(events).all(|protection| protection != Protection::Plaintext)
}

fn inbound_mail_stored(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.from.is_none())
}

fn no_mail_sealed_to_stale_generation(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.mode == Mode::E2ee).all(|m| match m.to {
        Recipient::User(user) => {
            sealed_epoch(m.recipient_copy.protection, user).is_none_or(|epoch| epoch == m.facts.recipient_epoch)
        }
        _ => true,
    })
}

fn e2ee_after_rotation(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.mode == Mode::E2ee && matches!(m.recipient_copy.protection, Protection::Sealed { epoch, .. } if epoch > Epoch(1)))
}

// Links (L).

fn service_keeps_no_link_secret(_: &MailModel, state: &State) -> bool {
    state.service_link_secrets.is_empty()
}

fn link_sent(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.link.is_some())
}

fn expired_link_content_is_gone(_: &MailModel, state: &State) -> bool {
    messages(state).filter_map(|m| m.link).all(|link| state.now < link.expires || !link.content)
}

fn link_expired(_: &MailModel, state: &State) -> bool {
    messages(state).filter_map(|m| m.link).any(|link| state.now >= link.expires && !link.content)
}

fn link_lifetime_is_day_week_or_month(_: &MailModel, state: &State) -> bool {
    let valid = [crate::op::DAY, 7 * crate::op::DAY, 30 * crate::op::DAY];
    messages(state).filter_map(|m| m.link).all(|link| valid.contains(&(link.expires.0 - link.sent_at.0)))
}

fn month_long_link_sent(_: &MailModel, state: &State) -> bool {
    messages(state).filter_map(|m| m.link).any(|link| link.expires.0 - link.sent_at.0 == 30 * crate::op::DAY)
}

// Escrow (E).

fn discovery_needs_escrow_read(model: &MailModel, state: &State) -> bool {
    state.discoveries.iter().all(|admin| model.world.admin(*admin).permissions.read)
}

fn escrow_discovery_done(_: &MailModel, state: &State) -> bool {
    !state.discoveries.is_empty()
}

fn recovery_needs_escrow_write(model: &MailModel, state: &State) -> bool {
    state.recoveries.iter().all(|admin| model.world.admin(*admin).permissions.write)
}

fn escrow_recovery_done(_: &MailModel, state: &State) -> bool {
    !state.recoveries.is_empty()
}

fn escrow_holds_nothing_before_acknowledgement(_: &MailModel, state: &State) -> bool {
    state
        .users
        .iter()
        .filter_map(|user| user.escrow_device.as_ref())
        .all(|escrow| !escrow.keys.has_older_than(escrow.created_at))
}

fn escrow_device_beside_history(_: &MailModel, state: &State) -> bool {
    state.users.iter().any(|user| {
        let escrow_since = user.escrow_device.as_ref().map(|escrow| escrow.created_at);
        let devices_hold = user.devices.iter().fold(crate::ids::Epochs::EMPTY, |all, d| all.union(d.keys));
        escrow_since.is_some_and(|since| devices_hold.has_older_than(since))
    })
}

// Tenancy (T).

fn mail_only_in_us_or_eu(model: &MailModel, state: &State) -> bool {
    model
        .world
        .account_ids()
        .filter(|account| state.accounts[account.index()].mail_enabled)
        .all(|account| model.world.account(account).region.hosts_mail())
}

fn mail_enabled(_: &MailModel, state: &State) -> bool {
    state.accounts.iter().any(|account| account.mail_enabled)
}

fn custom_domain_needs_business_plan(model: &MailModel, state: &State) -> bool {
    model.world.domain_ids().filter(|domain| state.domains[domain.index()].added).all(|domain| {
        let owner = model.world.domain(domain).owner;
        owner.is_some_and(|account| model.world.account(account).plan >= crate::world::Plan::Business)
    })
}

fn custom_domain_added(_: &MailModel, state: &State) -> bool {
    state.domains.iter().any(|domain| domain.added)
}

fn policy_never_changes(_: &MailModel, state: &State) -> bool {
    state.domains.iter().all(|domain| domain.policy == domain.first_policy)
}

fn policy_set(_: &MailModel, state: &State) -> bool {
    state.domains.iter().any(|domain| domain.policy.is_some())
}

fn verified_domain_configured(_: &MailModel, state: &State) -> bool {
    state.domains.iter().any(|domain| domain.verified && domain.policy.is_some())
}

fn policy_needs_verified_domain(_: &MailModel, state: &State) -> bool {
    state.domains.iter().all(|domain| domain.policy.is_none() || domain.verified)
}

fn data_stays_in_region(model: &MailModel, state: &State) -> bool {
    let world = &model.world;
    messages(state).all(|m| {
        let recipient_home = match m.to {
            Recipient::User(user) => world.region_of_user(user),
            Recipient::List(list) => world.account(world.list(list).account).region,
            Recipient::External(_) => world.region_of_user(m.sender),
        };
        let sent_ok = m.sent_copy.is_none_or(|copy| copy.region == world.region_of_user(m.sender));
        sent_ok && m.recipient_copy.region == recipient_home
    })
}

fn mail_between_regions(model: &MailModel, state: &State) -> bool {
    messages(state).any(|m| match m.to {
        Recipient::User(user) => {
            m.from.is_some() && model.world.region_of_user(user) != model.world.region_of_user(m.sender)
        }
        _ => false,
    })
}

fn attachments_within_limit(_: &MailModel, state: &State) -> bool {
    messages(state).all(|m| m.attachment <= ATTACHMENT_LIMIT)
}

fn attachment_at_limit_stored(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.attachment == ATTACHMENT_LIMIT)
}

// Calendar (C) and service features (S).

fn calendar_never_e2ee(_: &MailModel, state: &State) -> bool {
    state.events.iter().all(|event| service_reads(event.protection))
}

fn external_invitation_sent(_: &MailModel, state: &State) -> bool {
    state.events.iter().any(|event| matches!(event.attendee, Recipient::External(_)))
}

fn calendar_for_others_needs_delegation(model: &MailModel, state: &State) -> bool {
    state
        .events
        .iter()
        .all(|event| event.organizer == event.owner || model.world.delegated(event.organizer, event.owner))
}

fn delegate_scheduled(_: &MailModel, state: &State) -> bool {
    state.events.iter().any(|event| event.organizer != event.owner)
}

fn scans_only_readable_mail(_: &MailModel, state: &State) -> bool {
    messages(state).filter(|m| m.scanned).all(|m| !m.mode.is_client_encrypted())
}

fn mail_scanned(_: &MailModel, state: &State) -> bool {
    messages(state).any(|m| m.scanned)
}
