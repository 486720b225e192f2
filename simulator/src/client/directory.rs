//! A client's verified copy of other users' sigchains: the source of every public key a
//! client seals to or verifies with.

use std::collections::BTreeMap;

use mailspec_model::ids::UserId;

use super::ClientError;
use crate::crypto::{DevicePublicKeys, ExpectedSender};
use crate::names;
use crate::service::api::SenderRef;
use crate::service::sigchain::ChainView;
use crate::service::MailService;

/// Chains replayed and verified by one client, extended link by link as they grow.
#[derive(Clone, Debug, Default)]
pub struct ChainCache {
    views: BTreeMap<UserId, ChainView>,
}

/// The sender a reader expects, with owned strings.
pub struct ExpectedOwned {
    user: String,
    device: String,
    keys: Option<DevicePublicKeys>,
}

impl ExpectedOwned {
    pub fn as_expected(&self) -> ExpectedSender<'_> {
        match &self.keys {
            Some(keys) => ExpectedSender::Device { user_id: &self.user, device_id: &self.device, keys },
            None => ExpectedSender::Service { service_id: names::SERVICE_ID },
        }
    }
}

impl ChainCache {
    /// Fetches the links of `user` that this client has not seen, verifies them, and
    /// returns the updated view.
    pub fn refresh(&mut self, service: &MailService, user: UserId) -> Result<&ChainView, ClientError> {
        let service_key = service.service_signing_key();
        let view = self.views.entry(user).or_insert_with(|| ChainView::new(&names::user(user)));
        for link in service.fetch_chain(user, view.len() as usize)? {
            view.apply(&link, &service_key)?;
        }
        Ok(view)
    }

    /// Returns the view as last refreshed, without asking the service.
    pub fn cached(&self, user: UserId) -> Option<&ChainView> {
        self.views.get(&user)
    }

    /// Returns the sender a reader must expect for a copy, from the sender's chain.
    pub fn expected_sender(&mut self, service: &MailService, sender: SenderRef) -> Result<ExpectedOwned, ClientError> {
        match sender {
            SenderRef::Service => Ok(ExpectedOwned { user: String::new(), device: String::new(), keys: None }),
            SenderRef::Device(device) => {
                let name = names::device(device);
                let view = self.refresh(service, device.user)?;
                let keys = view
                    .holder(&name)
                    .map(|holder| holder.public)
                    .ok_or_else(|| ClientError::Protocol(format!("{name} is not in its user's sigchain")))?;
                Ok(ExpectedOwned { user: names::user(device.user), device: name, keys: Some(keys) })
            }
        }
    }
}
