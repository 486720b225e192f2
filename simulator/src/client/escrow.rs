//! The escrow admins' keys of one account: the private keys of every member's escrow device.
//! The service decides which admin may use them (E3, E4, E5); this vault only holds them.

use std::collections::BTreeMap;

use mailspec_model::ids::{DeviceId, MessageId, UserId};
use mailspec_model::Reason;
use rand_core::CryptoRngCore;

use super::directory::ChainCache;
use super::{check_body, ClientError};
use crate::crypto::{
    open_envelope, open_puk_seed, seal_puk_seed, BoxRole, DeviceKeys, DevicePublicKeys, Envelope, Puk, SealedPukSeed,
};
use crate::names;
use crate::service::api::DiscoveryBundle;
use crate::service::sigchain::{ChainLink, LinkBody};
use crate::service::MailService;

/// Escrow device keys by holder id.
#[derive(Default)]
pub struct EscrowVault {
    devices: BTreeMap<String, DeviceKeys>,
    chains: ChainCache,
}

impl EscrowVault {
    /// Creates the key pairs of a member's new escrow device and returns its public keys.
    pub fn create_device(&mut self, holder: &str, rng: &mut impl CryptoRngCore) -> DevicePublicKeys {
        let keys = DeviceKeys::generate(rng);
        let public = *keys.public_keys();
        self.devices.insert(holder.to_owned(), keys);
        public
    }

    fn keys(&self, holder: &str) -> Result<&DeviceKeys, ClientError> {
        self.devices.get(holder).ok_or_else(|| ClientError::Protocol(format!("the vault holds no keys for {holder}")))
    }

    /// Opens the seeds sealed to a member's escrow device.
    fn open_seeds(&mut self, service: &MailService, member: UserId, holder: &str, boxes: &[Vec<u8>]) -> Result<Vec<Puk>, ClientError> {
        let view = self.chains.refresh(service, member)?.clone();
        let keys = self.keys(holder)?;
        let user = names::user(member);
        let mut puks = Vec::new();
        for sealed in boxes {
            let sealed = SealedPukSeed::from_bytes(sealed)?;
            let expected = view
                .puk(sealed.generation().get())
                .ok_or_else(|| ClientError::Protocol("an escrow seed is not in the sigchain".into()))?;
            puks.push(open_puk_seed(&sealed, &user, holder, keys, expected)?);
        }
        Ok(puks)
    }

    /// E3: user recovery. Seals every seed of the member's escrow device to `target` and
    /// signs the approval with the escrow device's key.
    pub fn recover(
        &mut self,
        service: &MailService,
        target: DeviceId,
        holder: &str,
        boxes: &[Vec<u8>],
        rng: &mut impl CryptoRngCore,
    ) -> Result<(Vec<u8>, Vec<Vec<u8>>), ClientError> {
        let member = target.user;
        let puks = self.open_seeds(service, member, holder, boxes)?;
        let view = self.chains.refresh(service, member)?.clone();
        let target_name = names::device(target);
        let target_keys = view
            .holder(&target_name)
            .map(|holder| holder.public)
            .ok_or_else(|| ClientError::Protocol(format!("{target_name} is not in the sigchain")))?;
        let user = names::user(member);
        let mut sealed = Vec::new();
        for puk in &puks {
            sealed.push(seal_puk_seed(puk, &user, &target_name, &target_keys, rng)?.to_bytes());
        }
        let link = ChainLink::sign(&user, view.len(), view.head(), LinkBody::Approve { target: target_name }, holder, self.keys(holder)?);
        Ok((link, sealed))
    }

    /// E4: legal discovery. Opens any box of the bundle's copies with a seed of a member's
    /// escrow device, and checks the body. Returns `no_key` when none opens.
    pub fn discover(&mut self, service: &MailService, bundle: &DiscoveryBundle, message: MessageId) -> Result<(), ClientError> {
        let mut by_member: BTreeMap<(UserId, String), Vec<Vec<u8>>> = BTreeMap::new();
        for (member, holder, _, sealed) in &bundle.escrow_boxes {
            by_member.entry((*member, holder.clone())).or_default().push(sealed.clone());
        }
        let mut seeds: BTreeMap<(String, u32), Puk> = BTreeMap::new();
        for ((member, holder), boxes) in &by_member {
            if !self.devices.contains_key(holder) {
                continue;
            }
            for puk in self.open_seeds(service, *member, holder, boxes)? {
                seeds.insert((names::user(*member), puk.generation().get()), puk);
            }
        }
        for copy in &bundle.copies {
            let envelope = Envelope::from_bytes(&copy.envelope)?;
            let expected = self.chains.expected_sender(service, copy.sender)?;
            for sealed_box in envelope.boxes.iter().filter(|b| b.role == BoxRole::Recipient) {
                let Some(puk) = seeds.get(&(sealed_box.recipient_id.clone(), sealed_box.generation.get())) else { continue };
                let opened = open_envelope(&envelope, &sealed_box.recipient_id, puk, &expected.as_expected())?;
                let body = copy.pieces.first().ok_or_else(|| ClientError::Protocol("a copy has no body".into()))?;
                return check_body(message, &opened.open_piece(0, body)?);
            }
        }
        Err(Reason::NoKey.into())
    }
}
