//! Bad input to the reference implementation: damaged ciphertexts, records and keystores
//! give recorded internal errors, never a panic and never the content.

use mailspec_model::ids::{AccountId, DeviceId, DomainId, MessageId, UserId};
use mailspec_model::op::{Client, Expiry, ModeRequest, Operation, Policy, Reader, Recipient, Seal, Send};
use mailspec_model::{Observation, Outcome};
use mailspec_sim::reference::INTERNAL_ERROR_OBSERVATION;
use mailspec_sim::Reference;

const ALICE: UserId = UserId(0);
const BOB: UserId = UserId(1);

fn device(user: UserId, slot: u8) -> DeviceId {
    DeviceId::new(user, slot)
}

fn send(mode: ModeRequest, attachment: u32) -> Operation {
    let expiry = (mode == ModeRequest::PasswordExpiring).then_some(Expiry::OneDay);
    Operation::Send(Send { from: Client::App(device(ALICE, 0)), to: Recipient::User(BOB), mode, attachment, expiry, seal: Seal::Current })
}

/// Alice and Bob in account 0 with one device each, and one message of `mode` to Bob.
fn ready(mode: ModeRequest) -> Reference {
    let mut reference = Reference::new(mailspec_model::scenarios::world(), 9);
    let setup = [
        Operation::EnableMail { account: AccountId(0) },
        Operation::AddDomain { domain: DomainId(0) },
        Operation::VerifyDomain { domain: DomainId(0) },
        Operation::SetPolicy { domain: DomainId(0), policy: Policy::SecureByDefault },
        Operation::EnableUser { user: ALICE },
        Operation::EnableUser { user: BOB },
        Operation::AddDevice { device: device(ALICE, 0) },
        Operation::AddDevice { device: device(BOB, 0) },
        send(mode, 40_000),
    ];
    for op in setup {
        assert!(reference.apply(&op).is_ok(), "setup {op:?} failed");
    }
    reference
}

fn read(reference: &mut Reference, reader: Reader) -> Observation {
    reference.apply(&Operation::Read { message: MessageId(0), reader })
}

#[test]
fn damaged_envelope_is_an_error() {
    let object = "us/mail/m000/recipient";
    let size = ready(ModeRequest::E2ee).stored_objects().iter().find(|o| o.id == object).map(|o| o.bytes.len()).unwrap();
    for offset in [0, 1, 5, 40, 100, 300, size / 2, size - 17, size - 1] {
        let mut reference = ready(ModeRequest::E2ee);
        assert!(reference.corrupt_stored_object(object, offset, false));
        let observation = read(&mut reference, Reader::Device(device(BOB, 0)));
        let errors = reference.take_internal_errors();
        assert_eq!(observation, INTERNAL_ERROR_OBSERVATION, "offset {offset}");
        assert_eq!(errors.len(), 1, "offset {offset}: {errors:?}");
    }
}

#[test]
fn truncated_envelope_is_an_error() {
    for len in [0, 1, 10, 200, 1000] {
        let mut reference = ready(ModeRequest::E2ee);
        assert!(reference.corrupt_stored_object("us/mail/m000/recipient", len, true));
        assert_eq!(read(&mut reference, Reader::Device(device(BOB, 0))), INTERNAL_ERROR_OBSERVATION, "length {len}");
        assert!(!reference.take_internal_errors().is_empty());
    }
}

#[test]
fn damaged_at_rest_copy_is_an_error() {
    for offset in [0, 30, 57, 1000] {
        let mut reference = ready(ModeRequest::Standard);
        assert!(reference.corrupt_stored_object("us/mail/m000/recipient", offset, false));
        assert_eq!(read(&mut reference, Reader::Webmail(BOB)), INTERNAL_ERROR_OBSERVATION, "offset {offset}");
        assert!(!reference.take_internal_errors().is_empty());
        // The Sent copy is a separate object and still opens.
        assert_eq!(read(&mut reference, Reader::Webmail(ALICE)), Observation::Ok(Outcome::Content));
    }
}

#[test]
fn damaged_link_record_is_an_error() {
    let mut reference = ready(ModeRequest::PasswordExpiring);
    let record = reference.stored_objects().into_iter().find(|o| o.kind == "link_record").expect("a link record is stored");
    // Version, link id, ciphertext length and ciphertext. The expiry (bytes 17 to 24) is not
    // bound by the ciphertext, because the service enforces it.
    for offset in [0, 1, 16, 25, 29, 40, record.bytes.len() - 1] {
        let mut damaged = ready(ModeRequest::PasswordExpiring);
        assert!(damaged.corrupt_stored_object(&record.id, offset, false));
        let observation = damaged.apply(&Operation::OpenLink { message: MessageId(0) });
        assert_eq!(observation, INTERNAL_ERROR_OBSERVATION, "offset {offset}");
        assert!(!damaged.take_internal_errors().is_empty());
    }
    assert_eq!(reference.apply(&Operation::OpenLink { message: MessageId(0) }), Observation::Ok(Outcome::Content));
}

#[test]
fn damaged_sigchain_stops_the_reader() {
    let mut reference = ready(ModeRequest::E2ee);
    reference.crash_device(device(BOB, 0));
    assert!(reference.corrupt_stored_object("us/chains/user0/000000", 60, false));
    // A restarted device replays every chain; the sender's altered chain does not verify.
    let observation = read(&mut reference, Reader::Device(device(BOB, 0)));
    assert_eq!(observation, INTERNAL_ERROR_OBSERVATION);
    let errors = reference.take_internal_errors();
    assert!(errors.iter().any(|error| error.contains("sigchain")), "{errors:?}");
}

#[test]
fn damaged_keystore_does_not_restart() {
    for (offset, truncate) in [(0, false), (3, false), (50, true), (0, true)] {
        let mut reference = ready(ModeRequest::E2ee);
        reference.crash_device(device(BOB, 0));
        assert!(reference.corrupt_disk(device(BOB, 0), offset, truncate));
        let error = reference.restart_device(device(BOB, 0)).unwrap_err();
        assert!(error.contains("cannot restart"), "{error}");
    }
}

#[test]
fn intact_copies_still_read() {
    let mut reference = ready(ModeRequest::E2ee);
    assert_eq!(read(&mut reference, Reader::Device(device(BOB, 0))), Observation::Ok(Outcome::Content));
    assert_eq!(read(&mut reference, Reader::Device(device(ALICE, 0))), Observation::Ok(Outcome::Content));
    assert!(reference.take_internal_errors().is_empty());
}
