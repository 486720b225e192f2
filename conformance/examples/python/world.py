"""Parse the fixed cast of a run (the `world` of a `reset` request) and the ids in operations.

Two kinds of failure are kept apart, as the adapter protocol requires:

- `BadRequest`: the JSON does not have the shape of protocol version 1 (a missing
  field, a string where a whole number belongs, a negative id). The adapter sends
  an `error` response of code `bad_request`.
- `Rejected`: the request is well formed but the service rejects it, for example
  because an id names nothing in the world (`not_found`, `device_not_found`). The
  adapter sends the observation `{"rejected": CODE}`.
"""

import json
from dataclasses import dataclass

REGIONS = ("us", "eu", "other")
PLANS = ("pro", "business", "business_plus", "enterprise")
POLICIES = ("secure_only", "secure_by_default", "standard_by_default")

# Ids, slots and counts are `uint8` in the JSON Schema of the protocol.
MAX_SMALL_ID = 255


class BadRequest(Exception):
    """A request that does not have the shape the protocol defines."""


class Unsupported(Exception):
    """A request that needs a capability this adapter does not claim."""


class Rejected(Exception):
    """A well-formed operation that the service rejects with a documented reason code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def show(value):
    """Render a request value as JSON for an error message, cut to 200 characters."""
    text = json.dumps(value)
    return text if len(text) <= 200 else text[:197] + "..."


def require(mapping, name, where):
    """Return `mapping[name]`, or raise BadRequest naming the missing field."""
    if not isinstance(mapping, dict):
        raise BadRequest(f"{where} must be a JSON object, got {type(mapping).__name__}")
    if name not in mapping:
        raise BadRequest(f"{where} is missing the field {name!r}")
    return mapping[name]


def small_id(value, where):
    """Check that `value` is a whole number from 0 to 255 and return it."""
    # bool is a subclass of int in Python, but JSON true is not a number.
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{where} must be a whole number, got {show(value)}")
    if not 0 <= value <= MAX_SMALL_ID:
        raise BadRequest(f"{where} must be between 0 and {MAX_SMALL_ID}, got {value}")
    return value


def boolean(value, where):
    if not isinstance(value, bool):
        raise BadRequest(f"{where} must be true or false, got {show(value)}")
    return value


def one_of(value, allowed, where):
    if not isinstance(value, str) or value not in allowed:
        raise BadRequest(f"{where} must be one of {', '.join(allowed)}, got {show(value)}")
    return value


def array(value, where):
    if not isinstance(value, list):
        raise BadRequest(f"{where} must be a JSON array, got {type(value).__name__}")
    return value


@dataclass(frozen=True)
class Account:
    region: str
    plan: str


@dataclass(frozen=True)
class Domain:
    owner: "int | None"  # None for the shared default domain

    @property
    def is_shared(self):
        return self.owner is None


@dataclass(frozen=True)
class User:
    account: int
    domain: int
    device_slots: int


@dataclass(frozen=True)
class Admin:
    account: int
    manager: bool
    write: bool
    read: bool


@dataclass(frozen=True)
class MailingList:
    account: int
    members: tuple


@dataclass(frozen=True)
class World:
    accounts: tuple
    domains: tuple
    users: tuple
    admins: tuple
    lists: tuple
    externals: int
    # (delegate, owner) pairs: the delegate may schedule on the owner's calendar.
    delegations: frozenset


def parse_world(value):
    """Build a World from the `world` field of a `reset` request, checking every reference."""
    accounts = tuple(
        Account(
            region=one_of(require(spec, "region", f"accounts[{i}]"), REGIONS, f"accounts[{i}].region"),
            plan=one_of(require(spec, "plan", f"accounts[{i}]"), PLANS, f"accounts[{i}].plan"),
        )
        for i, spec in enumerate(array(require(value, "accounts", "world"), "world.accounts"))
    )

    def account_ref(raw, where):
        index = small_id(raw, where)
        if index >= len(accounts):
            raise BadRequest(f"{where} names account {index}, but the world has {len(accounts)}")
        return index

    domains = []
    for i, spec in enumerate(array(require(value, "domains", "world"), "world.domains")):
        if not isinstance(spec, dict):
            raise BadRequest(f"domains[{i}] must be a JSON object")
        # A missing owner is the shared default domain, like an explicit null.
        owner = spec.get("owner")
        domains.append(Domain(owner=None if owner is None else account_ref(owner, f"domains[{i}].owner")))
    domains = tuple(domains)

    users = []
    for i, spec in enumerate(array(require(value, "users", "world"), "world.users")):
        where = f"users[{i}]"
        domain = small_id(require(spec, "domain", where), f"{where}.domain")
        if domain >= len(domains):
            raise BadRequest(f"{where}.domain names domain {domain}, but the world has {len(domains)}")
        users.append(
            User(
                account=account_ref(require(spec, "account", where), f"{where}.account"),
                domain=domain,
                device_slots=small_id(require(spec, "device_slots", where), f"{where}.device_slots"),
            )
        )
    users = tuple(users)

    def user_ref(raw, where):
        index = small_id(raw, where)
        if index >= len(users):
            raise BadRequest(f"{where} names user {index}, but the world has {len(users)}")
        return index

    admins = []
    for i, spec in enumerate(array(require(value, "admins", "world"), "world.admins")):
        where = f"admins[{i}]"
        permissions = require(spec, "permissions", where)
        admins.append(
            Admin(
                account=account_ref(require(spec, "account", where), f"{where}.account"),
                manager=boolean(require(permissions, "manager", f"{where}.permissions"), f"{where}.permissions.manager"),
                write=boolean(require(permissions, "write", f"{where}.permissions"), f"{where}.permissions.write"),
                read=boolean(require(permissions, "read", f"{where}.permissions"), f"{where}.permissions.read"),
            )
        )

    lists = []
    for i, spec in enumerate(array(require(value, "lists", "world"), "world.lists")):
        where = f"lists[{i}]"
        members = array(require(spec, "members", where), f"{where}.members")
        lists.append(
            MailingList(
                account=account_ref(require(spec, "account", where), f"{where}.account"),
                members=tuple(user_ref(m, f"{where}.members[{j}]") for j, m in enumerate(members)),
            )
        )

    delegations = set()
    for i, pair in enumerate(array(require(value, "delegations", "world"), "world.delegations")):
        if not isinstance(pair, list) or len(pair) != 2:
            raise BadRequest(f"delegations[{i}] must be a [delegate, owner] pair, got {show(pair)}")
        delegations.add((user_ref(pair[0], f"delegations[{i}][0]"), user_ref(pair[1], f"delegations[{i}][1]")))

    return World(
        accounts=accounts,
        domains=domains,
        users=users,
        admins=tuple(admins),
        lists=tuple(lists),
        externals=small_id(require(value, "externals", "world"), "world.externals"),
        delegations=frozenset(delegations),
    )


# Id resolution for operations. The spec's `check_ids` step runs before any rule:
# an unknown account, domain, user, admin, list or external address is `not_found`,
# and an unknown device slot of a known user is `device_not_found`.


def _known(world_items, raw, where):
    index = small_id(raw, where)
    if index >= len(world_items):
        raise Rejected("not_found")
    return index


def account_id(world, raw, where):
    return _known(world.accounts, raw, where)


def domain_id(world, raw, where):
    return _known(world.domains, raw, where)


def user_id(world, raw, where):
    return _known(world.users, raw, where)


def admin_id(world, raw, where):
    return _known(world.admins, raw, where)


def device_id(world, raw, where):
    """Resolve `{"user": U, "slot": S}` to the pair (U, S)."""
    user = user_id(world, require(raw, "user", where), f"{where}.user")
    slot = small_id(require(raw, "slot", where), f"{where}.slot")
    if slot >= world.users[user].device_slots:
        raise Rejected("device_not_found")
    return (user, slot)


def recipient(world, raw, where):
    """Resolve a Recipient (`{"user": U}`, `{"external": E}` or `{"list": L}`) to (kind, index)."""
    if not isinstance(raw, dict) or len(raw) != 1:
        raise BadRequest(f"{where} must be an object with one of the keys user, external, list; got {show(raw)}")
    kind, value = next(iter(raw.items()))
    if kind == "user":
        return ("user", user_id(world, value, f"{where}.user"))
    if kind == "list":
        return ("list", _known(world.lists, value, f"{where}.list"))
    if kind == "external":
        index = small_id(value, f"{where}.external")
        if index >= world.externals:
            raise Rejected("not_found")
        return ("external", index)
    raise BadRequest(f"{where} has the unknown key {show(kind)}; expected user, external or list")
