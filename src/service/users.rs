//! Local users, logging in, and resolving a token into the acting principal.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use entity::enums::Role;
use entity::{department, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use super::pagination::{Page, PageArgs, page_by_id};
use super::policy::{Action, authorize};
use super::{Services, optional_text, required_text};
use crate::auth::{IssuedToken, Principal, TokenClaims, hash_password};
use crate::error::{AppError, AppResult};

/// How long a local user's standing is trusted without reading it again; a deactivation
/// through this server shows at once, through another within this time.
pub const STANDING_TIME_TO_LIVE: Duration = Duration::from_secs(5);
/// Standings remembered at most (the least recently used go first).
const REMEMBERED_STANDINGS: usize = 10_000;

/// What a request checks of a local user behind a token.
#[derive(Debug, Clone)]
struct Standing {
    username: String,
    active: bool,
    role: Role,
    department_id: Option<i64>,
    /// Tokens issued before this second are refused.
    tokens_valid_from: Option<i64>,
}

impl Standing {
    fn of(user: &user::Model) -> Self {
        Self {
            username: user.username.clone(),
            active: user.active,
            role: user.role,
            department_id: user.department_id,
            // Rounded up: a token of the same second as the cut-off is refused with it.
            tokens_valid_from: user
                .tokens_valid_from
                .map(|t| t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)),
        }
    }
}

/// Recently read standings, by user id; `None` remembers that the user is gone.
pub struct Standings {
    by_id: Mutex<lru::LruCache<i64, (Option<Standing>, Instant)>>,
}

impl Default for Standings {
    fn default() -> Self {
        let capacity = std::num::NonZeroUsize::new(REMEMBERED_STANDINGS).unwrap_or(std::num::NonZeroUsize::MIN);
        Self { by_id: Mutex::new(lru::LruCache::new(capacity)) }
    }
}

impl Standings {
    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<i64, (Option<Standing>, Instant)>> {
        self.by_id.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, id: i64) -> Option<Option<Standing>> {
        let mut cache = self.lock();
        match cache.get(&id) {
            Some((standing, read_at)) if read_at.elapsed() < STANDING_TIME_TO_LIVE => Some(standing.clone()),
            _ => None,
        }
    }

    fn put(&self, id: i64, standing: Option<Standing>) {
        self.lock().put(id, (standing, Instant::now()));
    }
}

/// How long a token from `login` lives.
pub const LOGIN_TOKEN_TTL: Duration = Duration::from_secs(8 * 3600);
const MIN_PASSWORD_CHARS: usize = 12;
/// The longest username and password taken: anything longer is refused before it is stored,
/// counted or hashed, so that a login cannot make the server hold or hash megabytes.
const MAX_USERNAME_CHARS: usize = 64;
const MAX_PASSWORD_CHARS: usize = 256;

/// A valid Argon2id hash of a random password, checked against for unknown users.
const UNKNOWN_USER_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$2Lw8bEZrQ8mQ4S8zFyRk+wU8Uo3BlVH8dkfG0kVyYFg";

pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub department_code: Option<String>,
    pub display_name: Option<String>,
}

impl Services {
    /// Turns verified claims into a principal. A token that `login` issued to a local user
    /// (it carries the user's id) works only while that user exists, is active, has the
    /// token's role and department, and was not cut off after the token was issued. Tokens
    /// signed by `rectify token` or an identity provider name no local user; they end with
    /// their lifetime or a new key. An unknown or inactive department is refused.
    pub async fn resolve_principal(&self, claims: TokenClaims) -> AppResult<Principal> {
        let refused = |why: &str| Err(AppError::Unauthenticated(why.into()));
        let standing = match claims.user_id {
            Some(id) => match self.standing_of(id).await? {
                Some(user) => Some(user),
                None => return refused("the token's user no longer exists"),
            },
            None => None,
        };
        if let Some(user) = &standing {
            if user.username != claims.sub || user.role != claims.role {
                return refused("the token no longer matches its user");
            }
            if !user.active {
                return refused("the token's user is deactivated");
            }
            if user.tokens_valid_from.is_some_and(|cut_off| claims.issued_at < cut_off) {
                return refused("the token was revoked: its user was deactivated after it was issued");
            }
        }
        // Only a DEPARTMENT acts for a department; a `dept` claim on another role is ignored.
        let department_id = match (&claims.dept, claims.role) {
            (Some(code), Role::Department) => {
                let found = department::Entity::find()
                    .filter(department::Column::Code.eq(code.as_str()))
                    .one(self.conn())
                    .await?;
                match found {
                    Some(department) if department.active => Some(department.id),
                    _ => return refused("the token names an unknown department"),
                }
            }
            _ => None,
        };
        if standing.is_some_and(|user| user.department_id != department_id) {
            return refused("the token's department is no longer its user's");
        }
        Ok(Principal { sub: claims.sub, name: claims.name, role: claims.role, department_id })
    }

    /// The local user `id`, as far as tokens are concerned, trusted for
    /// `STANDING_TIME_TO_LIVE`: a change made through another server shows within that time.
    async fn standing_of(&self, id: i64) -> AppResult<Option<Standing>> {
        if let Some(known) = self.standings.get(id) {
            return Ok(known);
        }
        let found = user::Entity::find_by_id(id).one(self.conn()).await?;
        let standing = found.as_ref().map(Standing::of);
        self.standings.put(id, standing.clone());
        Ok(standing)
    }

    /// Deactivates (`active: false`) or reactivates a local user (ADMIN). Deactivating also
    /// refuses every token `login` gave the user, from the next request on (on another server
    /// within `STANDING_TIME_TO_LIVE`), including after a later reactivation.
    pub async fn set_user_active(&self, actor: &Principal, user_id: i64, active: bool) -> AppResult<user::Model> {
        authorize(actor, Action::ManageUsers)?;
        let found = user::Entity::find_by_id(user_id).one(self.conn()).await?;
        let found = found.ok_or_else(|| AppError::bad_input("userId", "no user has this id"))?;
        if !active && found.username == actor.sub {
            return Err(AppError::bad_input("userId", "you cannot deactivate yourself"));
        }
        let mut row: user::ActiveModel = found.into();
        row.active = Set(active);
        if !active {
            row.tokens_valid_from = Set(Some(self.clock.now()));
        }
        let updated = row.update(self.conn()).await?;
        // Written, not forgotten: a request that read the old row just before could otherwise
        // put it back for another few seconds.
        self.standings.put(user_id, Some(Standing::of(&updated)));
        Ok(updated)
    }

    /// Checks a local user's password and signs a token. Wrong user and wrong password are
    /// answered alike, so usernames cannot be probed. `client` is the address the attempt
    /// comes from (see `login_throttle`).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> AppResult<(IssuedToken, user::Model)> {
        let username = username.trim();
        if username.chars().count() > MAX_USERNAME_CHARS {
            return Err(AppError::bad_input(
                "username",
                format!("`username` may have at most {MAX_USERNAME_CHARS} characters"),
            ));
        }
        if password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(AppError::bad_input(
                "password",
                format!("`password` may have at most {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        let refused = || AppError::Unauthenticated("the username or password is wrong".into());
        let mut attempt = self.login_throttle.begin(username, client).await?;
        let found = user::Entity::find().filter(user::Column::Username.eq(username)).one(self.conn()).await?;
        // An unknown user costs the same Argon2 work as a wrong password.
        let hash = found.as_ref().filter(|u| u.active).map(|u| u.password_hash.as_str()).unwrap_or(UNKNOWN_USER_HASH);
        let matches = attempt.verify(password, hash).await?;
        let Some(found) = found.filter(|u| u.active && matches) else {
            return Err(refused());
        };
        let dept_code = match found.department_id {
            Some(id) => department::Entity::find_by_id(id).one(self.conn()).await?.map(|d| d.code),
            None => None,
        };
        let token = self
            .tokens
            .issue_for_user(
                found.id,
                &found.username,
                found.role,
                dept_code.as_deref(),
                found.display_name.as_deref(),
                LOGIN_TOKEN_TTL.min(self.tokens.max_lifetime()),
            )
            .map_err(AppError::internal)?;
        attempt.succeeded();
        Ok((token, found))
    }

    pub async fn create_user(&self, actor: &Principal, input: NewUser) -> AppResult<user::Model> {
        authorize(actor, Action::ManageUsers)?;
        let username = required_text("username", &input.username, MAX_USERNAME_CHARS)?;
        if !username.chars().all(|c| c.is_alphanumeric() || "._-@".contains(c)) {
            return Err(AppError::bad_input(
                "username",
                "`username` may contain letters, digits, '.', '_', '-' and '@' only",
            ));
        }
        let password_chars = input.password.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&password_chars) {
            return Err(AppError::bad_input(
                "password",
                format!("`password` must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters"),
            ));
        }
        let display_name = optional_text("displayName", input.display_name.as_deref(), 100)?;
        let department_id = match (input.role, input.department_code.as_deref()) {
            (Role::Department, Some(code)) => {
                let department =
                    department::Entity::find().filter(department::Column::Code.eq(code)).one(self.conn()).await?;
                Some(department.ok_or_else(|| AppError::bad_input("departmentCode", "no department has this code"))?.id)
            }
            (Role::Department, None) => {
                return Err(AppError::bad_input("departmentCode", "a DEPARTMENT user needs `departmentCode`"));
            }
            (_, Some(_)) => {
                return Err(AppError::bad_input("departmentCode", "only DEPARTMENT users belong to a department"));
            }
            (_, None) => None,
        };
        if user::Entity::find().filter(user::Column::Username.eq(&username)).one(self.conn()).await?.is_some() {
            return Err(AppError::bad_input("username", "this username is taken"));
        }
        let password_hash = hash_password(&input.password).map_err(AppError::internal)?;
        let row = user::ActiveModel {
            username: Set(username),
            password_hash: Set(password_hash),
            role: Set(input.role),
            department_id: Set(department_id),
            display_name: Set(display_name),
            active: Set(true),
            created_at: Set(self.clock.now()),
            ..Default::default()
        };
        Ok(row.insert(self.conn()).await?)
    }

    /// Users with these ids; only ADMIN sees users, to everyone else they do not exist.
    pub async fn users_by_ids(&self, actor: &Principal, ids: &[i64]) -> AppResult<HashMap<i64, user::Model>> {
        if authorize(actor, Action::ManageUsers).is_err() {
            return Ok(HashMap::new());
        }
        let rows = user::Entity::find().filter(user::Column::Id.is_in(ids.iter().copied())).all(self.conn()).await?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    pub async fn count_users(&self, actor: &Principal) -> AppResult<u64> {
        use sea_orm::PaginatorTrait;
        authorize(actor, Action::ManageUsers)?;
        Ok(user::Entity::find().count(self.conn()).await?)
    }

    pub async fn list_users(&self, actor: &Principal, args: &PageArgs) -> AppResult<Page<user::Model>> {
        authorize(actor, Action::ManageUsers)?;
        page_by_id(self.conn(), user::Entity::find(), user::Column::Id, "user", args).await
    }
}
