//! Webmail: a user's browser session. It holds no device key, so it sends in the clear over
//! TLS and shows only what the service can read (M6).

use mailspec_model::ids::{MessageId, UserId};

use super::{check_content, ClientError};
use crate::canary;
use crate::service::api::{CopyUpload, Delivered, SendPlan, SendRequest, Upload};
use crate::service::MailService;

#[derive(Clone, Copy, Debug)]
pub struct Webmail {
    pub user: UserId,
}

impl Webmail {
    /// Uploads the message in the clear; the service encrypts it at rest.
    pub fn send(&self, service: &mut MailService, request: &SendRequest, plan: &SendPlan) -> Result<Delivered, ClientError> {
        let pieces = canary::pieces(plan.message, request.attachment);
        let upload = Upload {
            request: request.clone(),
            plan: plan.clone(),
            recipient_copy: CopyUpload::Plain { pieces },
            sent_copy: CopyUpload::SameAsRecipient,
            link: None,
        };
        Ok(service.upload_message(upload)?)
    }

    /// Shows a message, which the service decrypts for the session.
    pub fn read(&self, service: &mut MailService, message: MessageId) -> Result<(), ClientError> {
        let pieces = service.webmail_read(self.user, message)?;
        check_content(message, &pieces)
    }
}
