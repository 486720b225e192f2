"""The service state and the rules of the tenancy, devices and calendar families.

Keys are symbolic, as in docs/spec.md ("The model"): each user has a generation
counter, and each device has a knowledge set, the generations of its user's key
that it holds. Each handler applies one operation and returns its outcome as a
dict, or raises `Rejected` with the first failing check of the order that
docs/spec.md ("Order of checks") gives. A rejected operation changes nothing,
because every handler runs all its checks before it changes any state.

Rule IDs in comments (T5, D6) are those of docs/spec.md, and interpretation IDs
(I-D7-delayed-rotation) are those of docs/interpretations.md.
"""

from dataclasses import dataclass, field

from world import (
    MAX_SMALL_ID,
    POLICIES,
    BadRequest,
    Rejected,
    Unsupported,
    account_id,
    admin_id,
    boolean,
    device_id,
    domain_id,
    one_of,
    recipient,
    require,
    show,
    user_id,
)

# Plans that may hold a custom domain (T4): Business or higher.
CUSTOM_DOMAIN_PLANS = ("business", "business_plus", "enterprise")
MAIL_REGIONS = ("us", "eu")
# The shared default domain's policy is fixed (I-T5-default-domain).
SHARED_DOMAIN_POLICY = "secure_by_default"


def done():
    return {"outcome": "done"}


@dataclass
class DomainState:
    added: bool = False
    verified: bool = False
    policy: "str | None" = None
    cross_domain: bool = False


@dataclass
class Device:
    # Position in the user's enrollment sequence. An approver must have a lower one.
    enrolled: int
    active: bool = True
    approved: bool = False
    # Generations of the user's key this device holds. Revocation never shrinks it.
    generations: set = field(default_factory=set)


@dataclass
class UserState:
    enabled: bool = False
    # 0 until the first device enrolls.
    generation: int = 0
    rotation_pending: bool = False
    enrollments: int = 0
    devices: dict = field(default_factory=dict)  # slot -> Device


class Service:
    """The state of one run, created from the world of a `reset` request."""

    def __init__(self, world):
        self.world = world
        self.mail_enabled = [False] * len(world.accounts)
        self.domains = [DomainState() for _ in world.domains]
        self.users = [UserState() for _ in world.users]
        self.next_event = 0

    # Tenancy (T1, T3, T4, T5, T7)

    def enable_mail(self, op):
        account = account_id(self.world, require(op, "account", "operation"), "account")
        if self.world.accounts[account].region not in MAIL_REGIONS:
            raise Rejected("region_unsupported")
        if self.mail_enabled[account]:
            raise Rejected("already_done")
        self.mail_enabled[account] = True
        return done()

    def _custom_domain(self, op):
        """Resolve the operation's domain and reject the shared default domain (T5)."""
        domain = domain_id(self.world, require(op, "domain", "operation"), "domain")
        if self.world.domains[domain].is_shared:
            raise Rejected("default_domain_no_admin_features")
        return domain

    def add_domain(self, op):
        domain = self._custom_domain(op)
        owner = self.world.domains[domain].owner
        if self.world.accounts[owner].plan not in CUSTOM_DOMAIN_PLANS:
            raise Rejected("plan_too_low")
        state = self.domains[domain]
        if state.added:
            raise Rejected("already_done")
        state.added = True
        return done()

    def verify_domain(self, op):
        state = self.domains[self._custom_domain(op)]
        if not state.added:
            raise Rejected("domain_not_added")
        if state.verified:
            raise Rejected("already_done")
        state.verified = True
        return done()

    def set_policy(self, op):
        domain = self._custom_domain(op)
        policy = one_of(require(op, "policy", "operation"), POLICIES, "policy")
        state = self.domains[domain]
        if not state.added:
            raise Rejected("domain_not_added")
        if not state.verified:
            raise Rejected("domain_not_verified")
        # Setting the same policy again is rejected too: the policy is chosen once.
        if state.policy is not None:
            raise Rejected("policy_immutable")
        state.policy = policy
        return done()

    def set_cross_domain(self, op):
        domain = self._custom_domain(op)
        enabled = boolean(require(op, "enabled", "operation"), "enabled")
        state = self.domains[domain]
        # The spec lists no `domain_not_added` here. A domain never added is not verified.
        if not state.verified:
            raise Rejected("domain_not_verified")
        # NOTE: the spec lists `already_done` without saying when. This adapter reads
        # it as "the switch already has the requested value", so turning off a switch
        # that was never on is `already_done` too.
        if state.cross_domain == enabled:
            raise Rejected("already_done")
        state.cross_domain = enabled
        return done()

    def policy_of(self, domain):
        if self.world.domains[domain].is_shared:
            return SHARED_DOMAIN_POLICY
        return self.domains[domain].policy

    def enable_user(self, op):
        user = user_id(self.world, require(op, "user", "operation"), "user")
        spec = self.world.users[user]
        if not self.mail_enabled[spec.account]:
            raise Rejected("mail_not_enabled")
        if self.policy_of(spec.domain) is None:
            raise Rejected("domain_not_configured")
        state = self.users[user]
        if state.enabled:
            raise Rejected("already_done")
        state.enabled = True
        return done()

    def disable_user(self, op):
        user = user_id(self.world, require(op, "user", "operation"), "user")
        state = self.users[user]
        # A user that was never enabled counts as already disabled.
        if not state.enabled:
            raise Rejected("already_done")
        # Devices, keys and stored mail stay (I-T3-disabled-user).
        state.enabled = False
        return done()

    def ensure_active_user(self, user):
        """Reject a user that is not an active mail user (T3): account first, then user."""
        if not self.mail_enabled[self.world.users[user].account]:
            raise Rejected("mail_not_enabled")
        if not self.users[user].enabled:
            raise Rejected("user_not_enabled")

    # Devices and per-user keys (D1 to D7)

    def ensure_generation_room(self, user):
        """Raise OverflowError before a rotation past generation 255.

        An Epoch is a uint8 in protocol version 1, so generation 256 cannot be
        reported. Callers check this before they change any state.
        """
        if self.users[user].generation >= MAX_SMALL_ID:
            raise OverflowError(f"user {user} would pass generation {MAX_SMALL_ID}, the largest Epoch")

    def rotate(self, user):
        """Make the next generation of `user`'s key and hand it to every active device."""
        self.ensure_generation_room(user)
        state = self.users[user]
        state.generation += 1
        for device in state.devices.values():
            if device.active:
                device.generations.add(state.generation)
        # Any rotation also performs a rotation left pending by a revocation (I-D7-delayed-rotation).
        state.rotation_pending = False
        return {"outcome": "rotated", "epoch": state.generation}

    def _active_device(self, user, slot):
        """Return the device in this slot if it is enrolled and not revoked, else None."""
        device = self.users[user].devices.get(slot)
        return device if device is not None and device.active else None

    def add_device(self, op):
        user, slot = device_id(self.world, require(op, "device", "operation"), "device")
        self.ensure_active_user(user)
        state = self.users[user]
        if slot in state.devices:
            raise Rejected("device_id_in_use")
        self.ensure_generation_room(user)
        state.devices[slot] = Device(enrolled=state.enrollments)
        state.enrollments += 1
        # The new device holds only the generation its own enrollment makes (D3, D4).
        return self.rotate(user)

    def approve_device(self, op):
        user, slot = device_id(self.world, require(op, "device", "operation"), "device")
        approver = require(op, "by", "operation")
        approver_device = None
        if approver == "service":
            pass
        elif approver == "backup_key" or (isinstance(approver, dict) and "escrow_admin" in approver):
            raise Unsupported("approval by the backup key or an escrow admin needs the backup_keys or escrow capability")
        elif isinstance(approver, dict) and set(approver) == {"device"}:
            approver_device = device_id(self.world, approver["device"], "by.device")
        else:
            raise BadRequest(f"by must be backup_key, service, {{device}} or {{escrow_admin}}; got {show(approver)}")

        target = self._active_device(user, slot)
        if target is None:
            raise Rejected("device_not_active")
        if approver_device is None:
            # The service can never grant access to earlier mail (D6).
            raise Rejected("service_cannot_approve")

        approver_user, approver_slot = approver_device
        if approver_user != user or approver_slot == slot:
            raise Rejected("approver_not_authorized")
        source = self._active_device(approver_user, approver_slot)
        if source is None:
            raise Rejected("device_not_active")
        if source.enrolled >= target.enrolled:
            raise Rejected("approver_not_authorized")
        if target.approved:
            raise Rejected("already_done")

        # `shared` counts the generations the target did not hold yet, which is what
        # the recorded vectors show (see the README of this adapter).
        received = source.generations - target.generations
        target.generations |= received
        target.approved = True
        return {"outcome": "approved", "shared": len(received)}

    def revoke_device(self, op):
        user, slot = device_id(self.world, require(op, "device", "operation"), "device")
        revoker = require(op, "by", "operation")
        revoker_device = None
        revoker_admin = None
        if revoker == "website":
            pass
        elif isinstance(revoker, dict) and set(revoker) == {"device"}:
            revoker_device = device_id(self.world, revoker["device"], "by.device")
        elif isinstance(revoker, dict) and set(revoker) == {"admin"}:
            revoker_admin = admin_id(self.world, revoker["admin"], "by.admin")
        else:
            raise BadRequest(f"by must be website, {{device}} or {{admin}}; got {show(revoker)}")

        state = self.users[user]
        target = state.devices.get(slot)
        if target is None:
            raise Rejected("device_not_found")
        if not target.active:
            raise Rejected("already_done")
        if revoker_device is not None:
            revoker_user, revoker_slot = revoker_device
            if revoker_user != user:
                raise Rejected("approver_not_authorized")
            if self._active_device(revoker_user, revoker_slot) is None:
                raise Rejected("device_not_active")
        if revoker_admin is not None:
            if self.world.admins[revoker_admin].account != self.world.users[user].account:
                raise Rejected("permission_denied")

        # Only another active device of the user has the keys to make the next
        # generation at once. The website, an admin or the revoked device itself
        # leave the rotation to the next device that comes online (I-D7-delayed-rotation).
        rotates_now = revoker_device is not None and revoker_device[1] != slot
        if rotates_now:
            self.ensure_generation_room(user)
        target.active = False
        if rotates_now:
            return self.rotate(user)
        state.rotation_pending = True
        return {"outcome": "rotation_pending"}

    def device_online(self, op):
        user, slot = device_id(self.world, require(op, "device", "operation"), "device")
        if self._active_device(user, slot) is None:
            raise Rejected("device_not_active")
        if not self.users[user].rotation_pending:
            return {"outcome": "nothing_pending"}
        return self.rotate(user)

    # Calendar (C1, C2)

    def create_event(self, op):
        organizer = user_id(self.world, require(op, "organizer", "operation"), "organizer")
        owner = user_id(self.world, require(op, "owner", "operation"), "owner")
        recipient(self.world, require(op, "attendee", "operation"), "attendee")
        e2ee = boolean(require(op, "e2ee", "operation"), "e2ee")

        self.ensure_active_user(organizer)
        self.ensure_active_user(owner)
        if organizer != owner and (organizer, owner) not in self.world.delegations:
            raise Rejected("not_delegated")
        if e2ee:
            raise Rejected("calendar_not_e2ee")
        if self.next_event > MAX_SMALL_ID:
            raise OverflowError(f"event id {self.next_event} exceeds {MAX_SMALL_ID}, the largest EventId")
        # The event is stored under the service's key (C1). Nothing else reads it here.
        event = self.next_event
        self.next_event += 1
        return {"outcome": "event_created", "event": event}


# Operations this adapter applies, by their `op` name.
HANDLERS = {
    "enable_mail": Service.enable_mail,
    "add_domain": Service.add_domain,
    "verify_domain": Service.verify_domain,
    "set_policy": Service.set_policy,
    "set_cross_domain": Service.set_cross_domain,
    "enable_user": Service.enable_user,
    "disable_user": Service.disable_user,
    "add_device": Service.add_device,
    "approve_device": Service.approve_device,
    "revoke_device": Service.revoke_device,
    "device_online": Service.device_online,
    "create_event": Service.create_event,
}

# Operations of the protocol that need a capability this adapter does not claim.
UNSUPPORTED_OPERATIONS = {
    "create_backup_key": "backup_keys",
    "revoke_backup_key": "backup_keys",
    "enable_escrow": "escrow",
    "acknowledge_escrow": "escrow",
    "disable_escrow": "escrow",
    "escrow_discover": "escrow",
    "send": "mail",
    "receive_external": "mail",
    "read": "mail",
    "open_link": "links",
    "advance_clock": "links",
}
